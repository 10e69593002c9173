using Snapshotter.Content;

namespace Snapshotter.Sparse;

/// <summary>The digest of an SPF1 stream, its encoded length and the logical size of the file it encodes.</summary>
internal readonly record struct Spf1Result(Digest Digest, long EncodedLength, long LogicalSize);
