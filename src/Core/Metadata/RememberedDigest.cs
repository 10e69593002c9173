using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>A digest read from a file with this identity; <paramref name="HashedNs"/> is when that read began, <paramref name="UsedNs"/>
/// when a snapshot last relied on it (the least recently used go first when the cache is full). <paramref name="WithoutXattrs"/>:
/// the file held no extended attributes at all at this identity, as root listed them (false when that is not known).</summary>
internal readonly record struct RememberedDigest(FileIdentity Identity, Digest Digest, long HashedNs, long UsedNs, bool WithoutXattrs = false);
