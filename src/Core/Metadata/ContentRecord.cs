using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>A content object: its logical size and the size of its SPF1 encoding in the store. A value, not an object:
/// a snapshot holds one for each of its files until its commit (24 bytes each in an array, where a reference and an object took 48).</summary>
internal readonly record struct ContentRecord(Digest Digest, long Size, long EncodedSize)
{
    /// <summary>Orders content records by the value of their digests.</summary>
    public static readonly Comparison<ContentRecord> ByDigest = static (a, b) => a.Digest.Value.CompareTo(b.Digest.Value);
}
