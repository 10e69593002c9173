using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Sparse;

public sealed class Spf1RoundTripTests : IDisposable
{
    private const int Block = TestFiles.BlockBytes;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, int> Shapes()
    {
        var data = new TheoryData<string, int>();
        foreach (string shape in new[] { "empty", "tiny", "dense", "holes-only", "start", "middle", "end", "many", "multi-mib", "past-writeback" })
        {
            // Buffers far smaller than the data push every chunk, extent header and refill across buffer ends.
            foreach (int buffer in new[] { 64, 4099, 1 << 20 })
            {
                data.Add(shape, buffer);
            }
        }

        return data;
    }

    private string Make(string shape)
    {
        string path = _temp.Combine("source-" + shape);
        return shape switch
        {
            "empty" => TestFiles.WriteDense(path, []),
            "tiny" => TestFiles.WriteDense(path, [42]),
            "dense" => TestFiles.WriteDense(path, TestFiles.Pattern(100_003, 1)),
            "holes-only" => TestFiles.WriteSparse(path, 3 << 20),
            "start" => TestFiles.WriteSparse(path, 1 << 20, (0, TestFiles.Pattern(9000, 2))),
            "middle" => TestFiles.WriteSparse(path, 1 << 20, (300_000, TestFiles.Pattern(20_000, 3))),
            "end" => TestFiles.WriteSparse(path, (1 << 20) + 17, ((1 << 20) - 10, TestFiles.Pattern(27, 4))),
            "many" => TestFiles.WriteSparse(path, 200 * Block, Enumerable.Range(0, 50).Select(i => ((long)i * 4 * Block, TestFiles.Pattern(100 + i, 5 + i))).ToArray()),
            "multi-mib" => TestFiles.WriteSparse(path, 16 << 20, (0, TestFiles.Pattern(3 << 20, 60)), (8 << 20, TestFiles.Pattern((2 << 20) + 5, 61))),
            // Each extent spans more than one writeback interval, so encoding and decoding start writeback mid-extent
            // and again in the next one, across the hole.
            "past-writeback" => TestFiles.WriteSparse(path, 5 * WriteBehind.IntervalBytes, (0, TestFiles.Pattern((int)WriteBehind.IntervalBytes + 4097, 62)), (3 * WriteBehind.IntervalBytes, TestFiles.Pattern((int)(WriteBehind.IntervalBytes * 3 / 2), 63))),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Encode_then_decode_restores_identical_bytes_and_hole_layout(string shape, int bufferBytes)
    {
        string source = Make(shape);
        string encoded = _temp.Combine("encoded");
        string decoded = _temp.Combine("decoded");

        Spf1Result written = LibrarySpf1.EncodeFile(source, encoded, bufferBytes);
        Assert.Equal(Spf1Reference.Encode(source), File.ReadAllBytes(encoded));
        Assert.Equal(Spf1Reference.DigestOf(source), written.Digest.ToString());
        Assert.Equal(new FileInfo(encoded).Length, written.EncodedLength);

        Spf1Result read = LibrarySpf1.DecodeFile(encoded, decoded, written.Digest, bufferBytes);
        Assert.Equal(written.Digest, read.Digest);
        Assert.Equal(written.EncodedLength, read.EncodedLength);
        Assert.Equal(new FileInfo(source).Length, read.LogicalSize);

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(decoded));
        Assert.Equal(TestFiles.DataExtents(source), TestFiles.DataExtents(decoded));
        Assert.Equal(LibrarySpf1.Extents(source), LibrarySpf1.Extents(decoded));
        Assert.Equal(Spf1Reference.DigestOf(source), Spf1Reference.DigestOf(decoded));
    }

    [Fact]
    public void Dense_zeros_and_a_hole_of_the_same_size_have_different_digests()
    {
        const int Size = 64 * Block;
        string dense = TestFiles.WriteDense(_temp.Combine("dense-zeros"), new byte[Size]);
        string sparse = TestFiles.WriteSparse(_temp.Combine("sparse"), Size);
        Assert.Equal(File.ReadAllBytes(dense), File.ReadAllBytes(sparse));

        Digest denseDigest = LibrarySpf1.EncodeFile(dense, _temp.Combine("dense.spf1")).Digest;
        Digest sparseDigest = LibrarySpf1.EncodeFile(sparse, _temp.Combine("sparse.spf1")).Digest;

        Assert.NotEqual(denseDigest, sparseDigest);
        Assert.Equal(Spf1Reference.DigestOf(dense), denseDigest.ToString());
        Assert.Equal(Spf1Reference.DigestOf(sparse), sparseDigest.ToString());
    }

    [Fact]
    public void Same_bytes_with_a_different_hole_layout_have_different_digests()
    {
        byte[] data = TestFiles.Pattern(100, 70);
        string a = TestFiles.WriteSparse(_temp.Combine("a"), 16 * Block, (0, data));
        string b = TestFiles.WriteSparse(_temp.Combine("b"), 16 * Block, (0, data), (8 * Block, new byte[Block]));
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));

        Assert.NotEqual(LibrarySpf1.EncodeFile(a, _temp.Combine("a.spf1")).Digest, LibrarySpf1.EncodeFile(b, _temp.Combine("b.spf1")).Digest);
    }

    [Fact]
    public void Same_bytes_and_layout_give_the_same_digest_whatever_the_mode_and_mtime()
    {
        string a = TestFiles.WriteSparse(_temp.Combine("a"), 16 * Block, (Block, TestFiles.Pattern(100, 71)));
        string b = TestFiles.WriteSparse(_temp.Combine("b"), 16 * Block, (Block, TestFiles.Pattern(100, 71)));
        TestFiles.SetMode(b, 0x124);
        TestFiles.SetMtimeNs(b, 42);

        Assert.Equal(LibrarySpf1.EncodeFile(a, _temp.Combine("a.spf1")).Digest, LibrarySpf1.EncodeFile(b, _temp.Combine("b.spf1")).Digest);
    }
}
