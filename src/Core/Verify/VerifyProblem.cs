namespace Snapshotter.Verify;

/// <summary>One problem: what it is about (a digest "xxh3:...", a snapshot "name:version", or a path), what is
/// wrong, and whether this verification repaired it.</summary>
public sealed record VerifyProblem(VerifyProblemKind Kind, string Subject, string Message, bool Repaired);
