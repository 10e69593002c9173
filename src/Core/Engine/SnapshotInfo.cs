namespace Snapshotter.Engine;

/// <summary>
/// A local snapshot: its times (Unix ns), file count, logical size, and the stored (SPF1) size of its distinct
/// content, which snapshots sharing content count each.
/// </summary>
public sealed record SnapshotInfo(string Name, string Version, long CreatedNs, long LastUsedNs, long Files, long Bytes, long StoredBytes);
