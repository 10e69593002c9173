using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>A committed snapshot as the collector sees it: when it was created and last used (Unix ns), whether a
/// live lease pins it, and the distinct digests its files reference.</summary>
internal sealed record SnapshotUsage(long Id, string Name, string Version, long CreatedNs, long LastUsedNs, bool Pinned, IReadOnlyList<Digest> Digests);
