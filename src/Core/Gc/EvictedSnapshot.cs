namespace Snapshotter.Gc;

/// <summary>A snapshot a collection evicted (or, in a dry run, would evict): why, when it was last used (Unix ns),
/// and the content objects and bytes whose last reference it was.</summary>
public sealed record EvictedSnapshot(string Name, string Version, EvictionReason Reason, long LastUsedNs, long ContentRemoved, long BytesFreed);
