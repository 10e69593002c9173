namespace Snapshotter.Engine;

/// <summary>One path that differs, with why (<see cref="DiffReasons.None"/> for added and removed paths).</summary>
public sealed record DiffEntry(string RelativePath, DiffKind Kind, DiffReasons Reasons);
