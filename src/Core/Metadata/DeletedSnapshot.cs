using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>What deleting a snapshot's metadata removed: its file count and the distinct digests it referenced.</summary>
internal sealed record DeletedSnapshot(long Files, IReadOnlyList<Digest> Digests);
