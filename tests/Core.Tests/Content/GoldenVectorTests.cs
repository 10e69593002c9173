using Snapshotter.Content;
using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Content;

/// <summary>The vectors of shared/spec/vectors.md: SPF1 bytes and digests the Go snapshotter produces for the same files.</summary>
public sealed class GoldenVectorTests : IDisposable
{
    private const string EmptySpf1Hex = "53504631" + "0000000000000000" + "0000000000000000";
    private const string EmptyDigest = "xxh3:b7eedc7a278fc836";
    private const string TestContentSpf1Hex = "53504631" + "000000000000000c" + "0000000000000001" + "0000000000000000" + "000000000000000c" + "7465737420636f6e74656e74";
    private const string TestContentDigest = "xxh3:5e0ba398f628c5e4";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string, string> Vectors => new()
    {
        { "", EmptySpf1Hex, EmptyDigest },
        { "test content", TestContentSpf1Hex, TestContentDigest },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encoder_produces_the_golden_bytes_and_digest(string text, string spf1Hex, string digest)
    {
        string source = TestFiles.WriteDense(_temp.Combine("source"), System.Text.Encoding.ASCII.GetBytes(text));
        Spf1Result result = LibrarySpf1.EncodeFile(source, _temp.Combine("encoded"));

        Assert.Equal(spf1Hex, Convert.ToHexStringLower(File.ReadAllBytes(_temp.Combine("encoded"))));
        Assert.Equal(digest, result.Digest.ToString());
        Assert.Equal(spf1Hex.Length / 2, result.EncodedLength);
        Assert.Equal(text.Length, result.LogicalSize);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Content_store_names_and_fills_the_content_file_as_the_go_library_does(string text, string spf1Hex, string digest)
    {
        string source = TestFiles.WriteDense(_temp.Combine("source"), System.Text.Encoding.ASCII.GetBytes(text));
        var store = new ContentStore(_temp.Combine("root"), ownerToken: "0123456789abcdef");
        IngestResult result = IngestHelper(store, source);
        Assert.True(store.Publish(result.PendingPath!, result.Digest));

        Assert.Equal(digest, result.Digest.ToString());
        string contentPath = _temp.Combine("root", "storage", "content", "xxh3", digest["xxh3:".Length..]);
        Assert.Equal(spf1Hex, Convert.ToHexStringLower(File.ReadAllBytes(contentPath)));
    }

    private static IngestResult IngestHelper(ContentStore store, string path)
    {
        using Snapshotter.IO.UnixFile file = Snapshotter.IO.UnixFile.OpenRead(path);
        return store.Ingest(file, file.Stat(), readOnly: false, new byte[1 << 20], null, CancellationToken.None);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Test_reference_encoder_agrees_with_the_vectors(string text, string spf1Hex, string digest)
    {
        string source = TestFiles.WriteDense(_temp.Combine("source"), System.Text.Encoding.ASCII.GetBytes(text));
        byte[] encoded = Spf1Reference.Encode(source);
        Assert.Equal(spf1Hex, Convert.ToHexStringLower(encoded));
        Assert.Equal(digest, Spf1Reference.DigestOfEncoded(encoded));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decoder_accepts_the_golden_bytes_and_rebuilds_the_file(string text, string spf1Hex, string digest)
    {
        string encoded = _temp.Combine("encoded");
        File.WriteAllBytes(encoded, Convert.FromHexString(spf1Hex));
        Spf1Result result = LibrarySpf1.DecodeFile(encoded, _temp.Combine("decoded"), Digest.Parse(digest));

        Assert.Equal(digest, result.Digest.ToString());
        Assert.Equal(text, File.ReadAllText(_temp.Combine("decoded")));
    }
}
