using System.Text;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.IO;

/// <summary>Names as bytes and as strings: every byte string has one string and comes back from it unchanged.</summary>
public sealed class PathEncodingTests
{
    [Fact]
    public void Every_single_byte_and_random_byte_strings_come_back_byte_for_byte()
    {
        for (int b = 1; b < 256; b++)
        {
            Assert.Equal([(byte)b], PathEncoding.GetBytes(PathEncoding.FromBytes([(byte)b])));
        }

        var random = new Random(17);
        for (int i = 0; i < 2000; i++)
        {
            byte[] name = new byte[random.Next(1, 40)];
            random.NextBytes(name);
            string text = PathEncoding.FromBytes(name);

            Assert.Equal(name, PathEncoding.GetBytes(text));
            byte[] into = new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
            Assert.Equal(name, into.AsSpan(0, PathEncoding.GetBytes(text, into)).ToArray());
            Assert.Equal(name.Length, PathEncoding.GetByteCount(text));
            Assert.Equal(Encoding.UTF8.GetString(name) == text, PathEncoding.IsUtf8(text));
        }
    }

    [Fact]
    public void Valid_utf8_is_its_characters_and_each_other_byte_a_lone_surrogate()
    {
        Assert.Equal("caf\u00e9 \U0001F600", PathEncoding.FromBytes("caf\u00e9 \U0001F600"u8));
        Assert.True(PathEncoding.IsUtf8("caf\u00e9 \U0001F600"));

        // Latin-1 é, a truncated sequence, and the UTF-8 form of a surrogate (which is not valid UTF-8).
        Assert.Equal("caf\uDCE9", PathEncoding.FromBytes([0x63, 0x61, 0x66, 0xE9]));
        Assert.Equal("a\uDCE2\uDC82b", PathEncoding.FromBytes([0x61, 0xE2, 0x82, 0x62]));
        Assert.Equal("\uDCED\uDCA0\uDC80", PathEncoding.FromBytes([0xED, 0xA0, 0x80]));
        Assert.False(PathEncoding.IsUtf8("caf\uDCE9"));
    }

    /// <summary>A lone high surrogate, a low one that escapes no byte above 0x7F, and escapes of bytes that together are
    /// UTF-8 (é): no byte string reads as any of them. (A fact, not a theory: xunit would mend lone surrogates.)</summary>
    [Fact]
    public void A_string_that_stands_for_no_name_is_refused()
    {
        foreach (string text in new[] { "\uD800x", "\uDC41", "\uDCC3\uDCA9" })
        {
            Expect.Error(ErrorCode.InvalidArgument, () => PathEncoding.GetBytes(text));
        }
    }

    [Fact]
    public void Names_for_people_and_for_utf8_readers()
    {
        Assert.Equal("caf\\xe9/\u00e9", PathEncoding.Printable("caf\uDCE9/\u00e9"));
        Assert.Equal("caf\uFFFD/\u00e9\U0001F600", PathEncoding.Lossy("caf\uDCE9/\u00e9\U0001F600"));
        Assert.Equal("plain", PathEncoding.Lossy("plain"));
    }

    [Fact]
    public void Path_arguments_end_with_one_nul_and_hold_none_before_it()
    {
        Assert.Equal(new byte[] { 0x61, 0xE9, 0 }, PathEncoding.GetNullTerminatedBytes("a\uDCE9"));
        Assert.Equal("caf\u00e9/\U0001F600\0"u8.ToArray(), PathEncoding.GetNullTerminatedBytes("caf\u00e9/\U0001F600"));
        Assert.Equal(new byte[] { 0 }, PathEncoding.GetNullTerminatedBytes(""));
        Expect.Error(ErrorCode.InvalidArgument, () => PathEncoding.GetNullTerminatedBytes("a\0b"));
        Expect.Error(ErrorCode.InvalidArgument, () => PathEncoding.GetNullTerminatedBytes("\u00e9\0\uDCE9"));
    }
}
