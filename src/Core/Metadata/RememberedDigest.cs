using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>A digest read from a file with this identity; <paramref name="HashedNs"/> is when that read began, <paramref name="UsedNs"/>
/// when a snapshot last relied on it (the least recently used go first when the cache is full).</summary>
internal readonly record struct RememberedDigest(FileIdentity Identity, Digest Digest, long HashedNs, long UsedNs);
