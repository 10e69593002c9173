using Snapshotter.Errors;
using Snapshotter.Hashing;

namespace Snapshotter.Sparse;

/// <summary>The digest of an SPF1 stream, its encoded length and the logical size of the file it encodes; when encoding
/// into an output ran out of space, the <see cref="ErrorCode.NoSpace"/> error the output gave (the digest is still the
/// whole stream's, the output only a prefix of it).</summary>
internal readonly record struct Spf1Result(Digest Digest, long EncodedLength, long LogicalSize, SnapshotterException? OutputFull = null);
