namespace Snapshotter.Metadata;

/// <summary>A committed snapshot's identity and times (nanoseconds since the Unix epoch).</summary>
internal sealed record SnapshotRecord(long Id, string Name, string Version, long CreatedNs, long LastUsedNs);
