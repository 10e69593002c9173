using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Content;

public sealed class DigestTests
{
    [Theory]
    [InlineData(0xabcUL, "xxh3:abc")]
    [InlineData(0x0UL, "xxh3:0")]
    [InlineData(0x5e0ba398f628c5e4UL, "xxh3:5e0ba398f628c5e4")]
    [InlineData(0x0000000000001000UL, "xxh3:1000")]
    [InlineData(ulong.MaxValue, "xxh3:ffffffffffffffff")]
    public void Formats_as_unpadded_lowercase_hex(ulong value, string expected)
    {
        var digest = new Digest(value);
        Assert.Equal(expected, digest.ToString());
        Assert.Equal(expected["xxh3:".Length..], digest.Hex);
        var utf8 = new byte[Digest.MaxTextLength];
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(utf8, 0, digest.FormatUtf8(utf8)));
        var name = new byte[17];
        int length = digest.FormatHexNulTerminated(name);
        Assert.Equal(digest.Hex + "\0", System.Text.Encoding.ASCII.GetString(name, 0, length + 1));
    }

    [Theory]
    [InlineData("xxh3:abc", 0xabcUL)]
    [InlineData("xxh3:0000000000000abc", 0xabcUL)]
    [InlineData("xxh3:0", 0x0UL)]
    [InlineData("xxh3:ffffffffffffffff", ulong.MaxValue)]
    [InlineData("xxh3:5e0ba398f628c5e4", 0x5e0ba398f628c5e4UL)]
    public void Parses_short_and_zero_padded_hex(string text, ulong expected)
    {
        Assert.True(Digest.TryParse(text, out Digest parsed));
        Assert.Equal(expected, parsed.Value);
        Assert.Equal(expected, Digest.Parse(text).Value);
        Assert.True(Digest.TryParseUtf8(System.Text.Encoding.UTF8.GetBytes(text), out Digest fromUtf8));
        Assert.Equal(expected, fromUtf8.Value);
    }

    [Fact]
    public void Round_trips_through_its_string_form()
    {
        foreach (ulong value in new[] { 1UL, 0xfUL, 0x10UL, 0xb7eedc7a278fc836UL, 0x00ff00ff00ff00ffUL })
        {
            Assert.Equal(value, Digest.Parse(new Digest(value).ToString()).Value);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("xxh3")]
    [InlineData("xxh3:")]
    [InlineData("sha256:abc")]
    [InlineData("XXH3:abc")]
    [InlineData(":abc")]
    [InlineData("xxh3:abg")]
    [InlineData("xxh3:-1")]
    [InlineData("xxh3:+1")]
    [InlineData("xxh3: 1")]
    [InlineData("xxh3:1 ")]
    [InlineData("xxh3:0x1")]
    [InlineData("xxh3:abc:def")]
    [InlineData("xxh3:00000000000000abc")]
    [InlineData("xxh3:10000000000000000")]
    [InlineData("xxh3:\u0661")]
    [InlineData("xxh3:ａｂｃ")]
    public void Rejects_garbage(string text)
    {
        Assert.False(Digest.TryParse(text, out Digest parsed));
        Assert.Equal(default, parsed);
        Assert.False(Digest.TryParseUtf8(System.Text.Encoding.UTF8.GetBytes(text), out Digest fromUtf8));
        Assert.Equal(default, fromUtf8);
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Digest.Parse(text));
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_null()
    {
        Assert.False(Digest.TryParse(null, out _));
    }
}
