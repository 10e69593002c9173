using System.Buffers.Binary;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Sparse;

/// <summary>Malformed or altered SPF1 content is CORRUPT, never a crash, a hang or a silently wrong file.</summary>
public sealed class Spf1DecoderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Raw SPF1: header fields as given (they need not be consistent), then each extent with its bytes.</summary>
    private static byte[] Build(ulong size, ulong count, params (ulong Offset, byte[] Data)[] extents) =>
        BuildRaw(size, count, extents.Select(e => (e.Offset, (ulong)e.Data.Length, e.Data)).ToArray());

    private static byte[] BuildRaw(ulong size, ulong count, params (ulong Offset, ulong Length, byte[] Data)[] extents)
    {
        using var stream = new MemoryStream();
        Span<byte> u64 = stackalloc byte[8];
        stream.Write("SPF1"u8);
        BinaryPrimitives.WriteUInt64BigEndian(u64, size);
        stream.Write(u64);
        BinaryPrimitives.WriteUInt64BigEndian(u64, count);
        stream.Write(u64);
        foreach ((ulong offset, ulong length, byte[] data) in extents)
        {
            BinaryPrimitives.WriteUInt64BigEndian(u64, offset);
            stream.Write(u64);
            BinaryPrimitives.WriteUInt64BigEndian(u64, length);
            stream.Write(u64);
            stream.Write(data);
        }

        return stream.ToArray();
    }

    private static Digest DigestOf(byte[] spf1) => new(XxHash3.HashToUInt64(spf1));

    /// <summary>A valid two-extent encoding: 10 bytes at 0 and 10 bytes at 8192 of a 16384-byte file.</summary>
    private static byte[] Valid() => Build(16384, 2, (0, TestFiles.Pattern(10, 1)), (8192, TestFiles.Pattern(10, 2)));

    /// <summary>Decodes <paramref name="spf1"/> into a new file (and verify-only); both must be CORRUPT naming the content file.</summary>
    private SnapshotterException AssertCorrupt(byte[] spf1, Digest? expected = null)
    {
        string encoded = _temp.Combine("content");
        File.WriteAllBytes(encoded, spf1);

        SnapshotterException verifying = Expect.Error(ErrorCode.Corrupt, () => LibrarySpf1.DecodeFile(encoded, null, expected));
        Assert.Contains(encoded, verifying.Message, StringComparison.Ordinal);

        string output = _temp.Combine("output");
        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => LibrarySpf1.DecodeFile(encoded, output, expected));
        Assert.Contains(encoded, e.Message, StringComparison.Ordinal);
        File.Delete(output);
        return e;
    }

    [Fact]
    public void The_valid_sample_decodes()
    {
        byte[] valid = Valid();
        string encoded = _temp.Combine("content");
        File.WriteAllBytes(encoded, valid);
        Spf1Result result = LibrarySpf1.DecodeFile(encoded, _temp.Combine("output"), DigestOf(valid));

        Assert.Equal(16384, result.LogicalSize);
        byte[] output = File.ReadAllBytes(_temp.Combine("output"));
        Assert.Equal(TestFiles.Pattern(10, 1), output[..10]);
        Assert.Equal(TestFiles.Pattern(10, 2), output[8192..8202]);
        Assert.Equal([(0L, 4096L), (8192L, 4096L)], TestFiles.DataExtents(_temp.Combine("output")));
    }

    [Fact]
    public void Bad_magic()
    {
        byte[] spf1 = Valid();
        spf1[3] = (byte)'2';
        Assert.Contains("SPF1", AssertCorrupt(spf1).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(19)]
    public void Truncated_header(int length)
    {
        AssertCorrupt(Valid()[..length]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(26)]
    public void Truncated_extent_header_or_data(int cut)
    {
        byte[] spf1 = Valid();
        AssertCorrupt(spf1[..^cut]);
    }

    [Fact]
    public void Count_claiming_one_more_extent_than_present()
    {
        AssertCorrupt(Build(16384, 3, (0, TestFiles.Pattern(10, 1)), (8192, TestFiles.Pattern(10, 2))));
    }

    [Fact]
    public void Extent_reaching_beyond_the_size()
    {
        AssertCorrupt(Build(100, 1, (95, TestFiles.Pattern(10, 3))));
    }

    [Fact]
    public void Extent_starting_beyond_the_size()
    {
        AssertCorrupt(Build(100, 1, (200, TestFiles.Pattern(10, 3))));
    }

    [Fact]
    public void Extent_length_overflowing_offset_plus_length()
    {
        AssertCorrupt(BuildRaw(100, 1, (50, ulong.MaxValue - 10, TestFiles.Pattern(10, 3))));
    }

    [Fact]
    public void Overlapping_extents()
    {
        AssertCorrupt(Build(100, 2, (0, TestFiles.Pattern(10, 4)), (5, TestFiles.Pattern(10, 5))));
    }

    [Fact]
    public void Unsorted_extents()
    {
        AssertCorrupt(Build(100, 2, (50, TestFiles.Pattern(10, 4)), (0, TestFiles.Pattern(10, 5))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(5000)]
    public void Trailing_bytes_after_the_last_extent(int extra)
    {
        byte[] spf1 = [.. Valid(), .. TestFiles.Pattern(extra, 6)];
        Assert.Contains("follow", AssertCorrupt(spf1).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_after_an_empty_file()
    {
        AssertCorrupt([.. Build(0, 0), 0]);
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 60)]
    [InlineData(1_000_000UL)]
    public void Absurd_extent_count_is_refused_before_reading_on(ulong count)
    {
        AssertCorrupt(Build(16384, count, (0, TestFiles.Pattern(10, 1))));
    }

    [Fact]
    public void Size_beyond_a_signed_64_bit_offset()
    {
        AssertCorrupt(Build(1UL << 63, 0));
    }

    [Fact]
    public void A_flipped_bit_in_the_size_field_is_corrupt_not_an_io_error()
    {
        // The most significant byte of the logical size: 2^56 + 16384 bytes, more than any filesystem holds.
        // The content does not match its digest; that is what the caller must hear, not EFBIG from ftruncate.
        byte[] valid = Valid();
        byte[] spf1 = (byte[])valid.Clone();
        spf1[4] ^= 0x01;
        SnapshotterException e = AssertCorrupt(spf1, DigestOf(valid));
        Assert.Contains(DigestOf(valid).ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Structurally_valid_content_placing_data_beyond_any_file_size_is_corrupt_when_its_digest_differs()
    {
        // Two damaged fields that agree with each other: a size of 2^56 + 100 and an extent at 2^56. The layout is
        // well formed, so only the digest can tell; writing the extent there fails first (EFBIG), which must not
        // leak out as an I/O error.
        byte[] valid = Valid();
        byte[] spf1 = Build((1UL << 56) + 100, 1, (1UL << 56, TestFiles.Pattern(10, 9)));
        SnapshotterException e = AssertCorrupt(spf1, DigestOf(valid));
        Assert.Contains(DigestOf(valid).ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Digest_mismatch_names_both_digests()
    {
        byte[] valid = Valid();
        byte[] altered = (byte[])valid.Clone();
        altered[^1] ^= 0x40;
        Digest expected = DigestOf(valid);
        Digest actual = DigestOf(altered);
        Assert.NotEqual(expected, actual);

        SnapshotterException e = AssertCorrupt(altered, expected);

        Assert.Contains(expected.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(actual.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_an_expected_digest_altered_data_decodes_and_reports_its_own_digest()
    {
        byte[] altered = Valid();
        altered[^1] ^= 0x40;
        string encoded = _temp.Combine("content");
        File.WriteAllBytes(encoded, altered);
        Assert.Equal(DigestOf(altered), LibrarySpf1.DecodeFile(encoded, null, expected: null).Digest);
    }
}
