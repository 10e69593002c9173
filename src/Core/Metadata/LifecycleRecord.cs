namespace Snapshotter.Metadata;

/// <summary>
/// A snapshot of containerd's lifecycle as recorded: its key (a committed one's is its name), kind
/// (<see cref="LifecycleRecords.ViewKind"/>, <see cref="LifecycleRecords.ActiveKind"/> or
/// <see cref="LifecycleRecords.CommittedKind"/>), parent, labels and times (Unix ns). A committed one names the snapshot
/// its files were recorded as (<see cref="SnapshotName"/>:<see cref="SnapshotVersion"/>).
/// </summary>
internal sealed record LifecycleRecord(
    long Id,
    string Key,
    int Kind,
    long? ParentId,
    string? ParentKey,
    SortedDictionary<string, string> Labels,
    long CreatedNs,
    long UpdatedNs,
    long? SnapshotId,
    string? SnapshotName,
    string? SnapshotVersion);
