using Snapshotter.Hashing;
using Snapshotter.Metadata;

namespace Snapshotter.Gc;

/// <summary>One snapshot a plan evicts, why, and the content (with its bytes) whose last reference goes with it.</summary>
internal sealed record PlannedEviction(SnapshotUsage Snapshot, EvictionReason Reason, IReadOnlyList<(Digest Digest, long Bytes)> FreedContent)
{
    public long FreedBytes => FreedContent.Sum(c => c.Bytes);
}
