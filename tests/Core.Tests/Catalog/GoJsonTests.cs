using System.Text;
using Snapshotter.Catalog;

namespace Snapshotter.Tests.Catalog;

/// <summary>Go's json.Marshal of strings and time.Time, byte for byte, and the parsing of what it writes.</summary>
public sealed class GoJsonTests
{
    private const long Second = 1_000_000_000;
    private static readonly long Example = (1_767_060_000 * Second) + 123_456_789; // 2025-12-30T02:00:00.123456789Z

    [Theory]
    [InlineData(0, 28800, "2025-12-30T10:00:00.123456789+08:00")]
    [InlineData(0, 0, "2025-12-30T02:00:00.123456789Z")]
    [InlineData(0, -19800, "2025-12-29T20:30:00.123456789-05:30")]
    [InlineData(-123_456_789, 0, "2025-12-30T02:00:00Z")]
    [InlineData(-123_456_789 + 500_000_000, 3600, "2025-12-30T03:00:00.5+01:00")]
    [InlineData(-123_456_789 + 10, 0, "2025-12-30T02:00:00.00000001Z")]
    public void Times_are_written_as_go_writes_them(long shiftNs, int offsetSeconds, string expected) =>
        Assert.Equal(expected, GoJson.FormatTime(Example + shiftNs, offsetSeconds));

    [Fact]
    public void Times_before_1970_and_offsets_with_seconds_follow_go()
    {
        Assert.Equal("1969-12-31T23:59:59.999999999Z", GoJson.FormatTime(-1, 0));
        // Local mean time offsets (e.g. +00:17:30): Go shifts the clock by the full offset but prints minutes only.
        Assert.Equal("1970-01-01T00:17:30+00:17", GoJson.FormatTime(0, 1050));
        Assert.Equal("1969-12-31T23:59:30+00:00", GoJson.FormatTime(0, -30));
    }

    [Theory]
    [InlineData("2025-12-30T10:00:00.123456789+08:00", 0, 28800)]
    [InlineData("2025-12-30t02:00:00.123456789z", 0, 0)]
    [InlineData("2025-12-30T02:00:00.1234567891234Z", 0, 0)]
    [InlineData("2025-12-30T02:00:00Z", -123_456_789, 0)]
    [InlineData("2025-12-29T20:30:00.123456789-05:30", 0, -19800)]
    public void Times_are_parsed_to_the_nanosecond_with_their_offset(string text, long shiftNs, int offsetSeconds)
    {
        Assert.True(GoJson.TryParseTime(text, out long ns, out int offset));
        Assert.Equal(Example + shiftNs, ns);
        Assert.Equal(offsetSeconds, offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2025-12-30T02:00:00")]
    [InlineData("2025-12-30 02:00:00Z")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-02-29T00:00:00Z")]
    [InlineData("2025-01-01T24:00:00Z")]
    [InlineData("2025-01-01T00:60:00Z")]
    [InlineData("2025-01-01T00:00:60Z")]
    [InlineData("2025-01-01T00:00:00+24:00")]
    [InlineData("2025-01-01T00:00:00.Z")]
    [InlineData("1600-01-01T00:00:00Z")]
    [InlineData("2300-01-01T00:00:00Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("2025-01-01T00:00:00Z\n")]
    [InlineData("+2025-01-01T00:00:00Z")]
    public void Malformed_or_unrepresentable_times_are_refused(string text) =>
        Assert.False(GoJson.TryParseTime(text, out _, out _));

    [Fact]
    public void Written_times_parse_back_to_the_same_instant_and_offset()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            long ns = random.NextInt64(-9_000_000_000L * Second, 9_000_000_000L * Second);
            int offset = random.Next(-23 * 60, 24 * 60) * 60;
            Assert.True(GoJson.TryParseTime(GoJson.FormatTime(ns, offset), out long parsed, out int parsedOffset));
            Assert.Equal((ns, offset), (parsed, parsedOffset));
        }
    }

    [Theory]
    [InlineData("plain/path.bin", "\"plain/path.bin\"")]
    [InlineData("q\"b\\s", "\"q\\\"b\\\\s\"")]
    [InlineData("<a>&b", "\"\\u003ca\\u003e\\u0026b\"")]
    [InlineData("\u2028\u2029", "\"\\u2028\\u2029\"")]
    [InlineData("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"")]
    [InlineData("\u0001\u001f\u007f", "\"\\u0001\\u001f\u007f\"")]
    [InlineData("é日本😀", "\"é日本😀\"")]
    public void Strings_are_escaped_as_go_escapes_them(string value, string expected)
    {
        var json = new StringBuilder();
        GoJson.AppendString(json, value);
        Assert.Equal(expected, json.ToString());
    }

    /// <summary>Go replaces invalid UTF-8 with U+FFFD; a lone surrogate is the UTF-16 counterpart.</summary>
    [Fact]
    public void A_lone_surrogate_is_written_as_the_replacement_character()
    {
        var json = new StringBuilder();
        GoJson.AppendString(json, "lone" + '\ud800' + "surrogate");
        Assert.Equal("\"lone\\ufffdsurrogate\"", json.ToString());
    }
}
