namespace Snapshotter.Metadata;

/// <summary>
/// What committing the active <see cref="Key"/> (lifecycle id <see cref="Id"/>) as <see cref="Name"/> changes in the
/// transaction that commits its snapshot: its labels become <see cref="Labels"/>, and its files are recorded as a delta
/// over those of <see cref="ParentSnapshotId"/>, the snapshot its parent was committed as (none without a parent).
/// </summary>
internal sealed record LifecycleCommit(long Id, string Key, string Name, IReadOnlyDictionary<string, string> Labels, long? ParentSnapshotId);
