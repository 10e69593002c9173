namespace Snapshotter.Engine;

/// <summary>One file of a snapshot request: a path relative to the base dir, captured read-only (hardlinked) or not.</summary>
public sealed record FileSpec(string RelativePath, bool ReadOnly);
