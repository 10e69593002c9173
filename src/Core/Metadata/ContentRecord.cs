using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>A content object: its logical size and the size of its SPF1 encoding in the store.</summary>
internal sealed record ContentRecord(Digest Digest, long Size, long EncodedSize);
