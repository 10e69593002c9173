namespace Snapshotter.Engine;

/// <summary>What inspecting a snapshot shows: the snapshot and its files, ordered by path.</summary>
public sealed record SnapshotDetails(SnapshotInfo Snapshot, IReadOnlyList<SnapshotFileInfo> Files);
