namespace Snapshotter.Engine;

/// <summary>
/// A snapshot: its times (Unix ns), file count, logical size, and the stored (SPF1) size of its distinct content,
/// which snapshots sharing content count each; all zero for a version known only from the remote catalog. Where it
/// is: in the local store, and (when the listing asked) tagged in the remote catalog.
/// </summary>
public sealed record SnapshotInfo(string Name, string Version, long CreatedNs, long LastUsedNs, long Files, long Bytes, long StoredBytes, bool Local = true, bool Remote = false);
