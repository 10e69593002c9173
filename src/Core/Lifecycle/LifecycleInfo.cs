namespace Snapshotter.Lifecycle;

/// <summary>
/// What stat and walk report of a lifecycle snapshot: containerd's snapshots.Info, plus, for a committed one, the
/// snapshot its files were recorded as (<see cref="SnapshotName"/>:<see cref="SnapshotVersion"/>), which restores,
/// exports and publishes like any other. Times are nanoseconds since the Unix epoch.
/// </summary>
public sealed record LifecycleInfo(
    string Key,
    LifecycleKind Kind,
    string? Parent,
    IReadOnlyDictionary<string, string> Labels,
    long CreatedNs,
    long UpdatedNs,
    string? SnapshotName,
    string? SnapshotVersion);
