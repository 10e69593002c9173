using System.Text;
using Snapshotter.Archive;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

public sealed class TarFormatTests
{
    [Theory]
    [InlineData("00000000644\0", 420L)]
    [InlineData("     644 \0\0\0", 420L)]
    [InlineData("\0\0\0\0\0\0\0\0\0\0\0\0", 0L)]
    [InlineData("77777777777\0", 8_589_934_591L)]
    public void Octal_fields_read_with_their_padding(string field, long expected)
    {
        Assert.True(TarFormat.TryReadNumber(Encoding.ASCII.GetBytes(field), out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("0000000068\0\0")]
    [InlineData("12 34\0\0\0\0\0\0\0")]
    [InlineData("-1\0\0\0\0\0\0\0\0\0\0")]
    public void Malformed_octal_is_refused(string field)
    {
        Assert.False(TarFormat.TryReadNumber(Encoding.ASCII.GetBytes(field), out _));
    }

    [Fact]
    public void Base_256_fields_read_as_gnu_tar_writes_them()
    {
        byte[] tenGiB = [0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x80, 0, 0, 0];
        Assert.True(TarFormat.TryReadNumber(tenGiB, out long value));
        Assert.Equal(10L << 30, value);
        byte[] minusOne = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        Assert.True(TarFormat.TryReadNumber(minusOne, out value));
        Assert.Equal(-1, value);
        byte[] tooLarge = [0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.False(TarFormat.TryReadNumber(tooLarge, out _));
    }

    [Theory]
    [InlineData(1, 9)]
    [InlineData(90, 99)]
    [InlineData(91, 101)]
    public void Pax_record_lengths_count_themselves_across_a_digit_boundary(int valueLength, int recordLength)
    {
        string value = new('x', valueLength);
        byte[] encoded = PaxRecords.Encode([PaxRecords.Text("path", value)]);
        Assert.Equal($"{recordLength} path={value}\n", Encoding.UTF8.GetString(encoded));
        Assert.Equal(recordLength, encoded.Length);
        Assert.Equal(Encoding.UTF8.GetBytes(value), Decoded(encoded, "path"));
        Assert.Equal("é"u8.ToArray(), Decoded(PaxRecords.Encode([PaxRecords.Text("path", "é")]), "path"));
    }

    [Fact]
    public void Pax_values_are_bytes_kept_exactly_as_gnu_tar_writes_them()
    {
        byte[] raw = [(byte)'b', 0xFF, 0xFE, (byte)'\n', (byte)'=', 0];
        byte[] encoded = PaxRecords.Encode([new("path", raw)]);
        Assert.Equal([.. "15 path="u8, .. raw, (byte)'\n'], encoded);
        Assert.Equal(raw, Decoded(encoded, "path"));
    }

    [Theory]
    [InlineData("user.plain", "SCHILY.xattr.user.plain")]
    [InlineData("user.a=b%c", "SCHILY.xattr.user.a%3Db%25c")]
    public void Xattr_keys_escape_what_gnu_tar_escapes(string name, string key)
    {
        Assert.Equal(key, PaxRecords.XattrKey(name));
        Assert.Equal(name, PaxRecords.XattrName(key));
    }

    private static byte[] Decoded(byte[] records, string key) => PaxRecords.Decode(records, "test").Single(r => r.Key == key).Value;

    [Theory]
    [InlineData(1_700_000_000_123_456_789L, "1700000000.123456789")]
    [InlineData(1_700_000_000_000_000_000L, "1700000000")]
    [InlineData(-1_500_000_000L, "-1.500000000")]
    [InlineData(5L, "0.000000005")]
    public void Pax_times_keep_nanoseconds(long unixNs, string text)
    {
        Assert.Equal(text, PaxRecords.FormatTime(unixNs));
        Assert.True(PaxRecords.TryParseTime(text, out long parsed));
        Assert.Equal(unixNs, parsed);
    }

    [Fact]
    public void Pax_decoding_names_what_is_wrong()
    {
        Assert.Contains("the place", Expect.Error(ErrorCode.Corrupt, () => PaxRecords.Decode("5 a=b"u8, "the place")).Message);
        Assert.Contains("key is not UTF-8", Expect.Error(ErrorCode.Corrupt, () => PaxRecords.Decode([.. "9 pat"u8, 0xFF, .. "=x\n"u8], "x")).Message);
        Assert.False(PaxRecords.TryParseTime("1.", out _));
        Assert.False(PaxRecords.TryParseTime("1.2x", out _));
    }

    [Fact]
    public void The_reader_refuses_links_without_targets_unknown_types_and_nameless_xattrs()
    {
        Assert.Contains("'l' has no target", Expect.Error(ErrorCode.Corrupt, () => First(new RawTar().Member("l", [], (byte)'2'))).Message);
        Assert.Contains("type 'D'", Expect.Error(ErrorCode.Unsupported, () => First(new RawTar().Member("d", [], (byte)'D'))).Message);
        Assert.Contains("names no extended attribute", Expect.Error(ErrorCode.Corrupt, () => First(new RawTar().Pax(("SCHILY.xattr.", "x")).File("f", ""))).Message);
    }

    [Fact]
    public void The_reader_takes_what_other_writers_add()
    {
        // Python's tarfile marks raw names with hdrcharset; star and libarchive give device numbers as pax records.
        TarMember device = First(new RawTar().Pax(("hdrcharset", "BINARY"), ("SCHILY.devmajor", "259"), ("SCHILY.devminor", "3000000")).Member("blk", [], (byte)'4')).Member;
        Assert.Equal((259u, 3_000_000u), (device.DevMajor, device.DevMinor));
        TarEntry link = First(new RawTar().Member("././@LongLink", [.. new byte[150].Select(_ => (byte)'t'), 0], (byte)'K').Member("l", [], (byte)'2', link: "short"));
        Assert.Equal(new string('t', 150), Encoding.ASCII.GetString(link.Member.LinkName));
    }

    private static TarEntry First(RawTar tar) => new TarReader(new MemoryStream(tar.End().ToArray()), "test").Next()!;
}
