using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Formats;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("1970-01-01T00:00:00Z", 0L, 0)]
    [InlineData("1970-01-01T00:00:00.000000001Z", 1L, 0)]
    [InlineData("1969-12-31T23:59:59.999999999Z", -1L, 0)]
    [InlineData("2025-01-02T03:04:05Z", 1_735_787_045_000_000_000L, 0)]
    [InlineData("2025-01-02T11:04:05+08:00", 1_735_787_045_000_000_000L, 28800)]
    [InlineData("2025-01-01T22:34:05.5-04:30", 1_735_787_045_500_000_000L, -16200)]
    [InlineData("2025-01-02t03:04:05.123456789z", 1_735_787_045_123_456_789L, 0)]
    [InlineData("2024-02-29T00:00:00Z", 1_709_164_800_000_000_000L, 0)]
    [InlineData("2262-04-11T23:47:16.854775807Z", long.MaxValue, 0)]
    [InlineData("1677-09-21T00:12:43.145224192Z", long.MinValue, 0)]
    public void Parses_to_the_nanosecond(string text, long unixNs, int offsetSeconds)
    {
        Assert.Equal((unixNs, offsetSeconds), Rfc3339.Parse(text, "t"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2025-01-02")]
    [InlineData("2025-01-02T03:04:05")]
    [InlineData("2025-01-02 03:04:05Z")]
    [InlineData("2025-1-02T03:04:05Z")]
    [InlineData("2025-13-02T03:04:05Z")]
    [InlineData("2025-02-29T03:04:05Z")]
    [InlineData("2025-01-02T24:00:00Z")]
    [InlineData("2025-01-02T03:60:05Z")]
    [InlineData("2025-01-02T03:04:60Z")]
    [InlineData("2025-01-02T03:04:05.Z")]
    [InlineData("2025-01-02T03:04:05.1234567890Z")]
    [InlineData("2025-01-02T03:04:05+0800")]
    [InlineData("2025-01-02T03:04:05+24:00")]
    [InlineData("2025-01-02T03:04:05+08:60")]
    [InlineData("2025-01-02T03:04:05Zjunk")]
    [InlineData("٢٠٢٥-01-02T03:04:05Z")]
    [InlineData("2262-04-11T23:47:16.854775808Z")]
    [InlineData("1677-09-21T00:12:43.145224191Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    public void Refuses_anything_else_naming_the_field(string text)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Rfc3339.Parse(text, "the field"));
        Assert.Contains("the field", e.Message);
    }

    [Theory]
    [InlineData(0L, 0, "1970-01-01T00:00:00Z")]
    [InlineData(1L, 0, "1970-01-01T00:00:00.000000001Z")]
    [InlineData(-1L, 0, "1969-12-31T23:59:59.999999999Z")]
    [InlineData(1_735_787_045_120_000_000L, 28800, "2025-01-02T11:04:05.12+08:00")]
    [InlineData(1_735_787_045_000_000_000L, -16200, "2025-01-01T22:34:05-04:30")]
    public void Formats_as_go_writes_RFC3339Nano(long unixNs, int offsetSeconds, string expected)
    {
        Assert.Equal(expected, Rfc3339.Format(unixNs, offsetSeconds));
        Assert.Equal((unixNs, offsetSeconds), Rfc3339.Parse(expected, "t"));
    }

    /// <summary>Local mean time offsets (e.g. +00:17:30, before 1900 in most zones): Go shifts the clock by the
    /// whole offset but writes minutes only, and so must the config writer.</summary>
    [Fact]
    public void An_offset_with_seconds_is_written_as_go_writes_it() =>
        Assert.Equal("1970-01-01T00:17:30+00:17", Rfc3339.Format(0, 1050));

    [Fact]
    public void Written_times_parse_back_to_the_same_instant_and_offset()
    {
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            long unixNs = random.NextInt64(-9_000_000_000_000_000_000L, 9_000_000_000_000_000_000L);
            int offsetSeconds = random.Next(-23 * 60, 24 * 60) * 60;
            Assert.Equal((unixNs, offsetSeconds), Rfc3339.Parse(Rfc3339.Format(unixNs, offsetSeconds), "t"));
        }
    }
}
