namespace Snapshotter.Metadata;

/// <summary>A committed snapshot with its file count, logical size and the stored (SPF1) size of its distinct content.</summary>
internal sealed record SnapshotSummary(SnapshotRecord Snapshot, long Files, long Bytes, long StoredBytes);
