namespace Snapshotter.Engine;

/// <summary>What a delete removed: the snapshot's file count, and the content objects (with their stored bytes)
/// that no other snapshot referenced.</summary>
public sealed record DeleteStats(long Files, long ContentFreed, long BytesFreed);
