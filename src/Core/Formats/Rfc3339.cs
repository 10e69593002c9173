using System.Globalization;
using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Formats;

/// <summary>
/// RFC 3339 timestamps to the nanosecond, which DateTimeOffset (100 ns ticks) cannot carry. Formatting follows
/// Go's time.RFC3339Nano, as the Go snapshotter writes mtimes: trailing zeros of the fraction dropped, "Z" for UTC.
/// </summary>
internal static class Rfc3339
{
    private const long NanosecondsPerSecond = 1_000_000_000L;

    /// <summary>"2025-01-02T03:04:05.123Z" or "...+08:00": the instant <paramref name="unixNs"/> shown at that UTC offset.</summary>
    public static string Format(long unixNs, int offsetSeconds)
    {
        long seconds = Math.DivRem(unixNs, NanosecondsPerSecond, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += NanosecondsPerSecond;
        }

        DateTime local = DateTime.UnixEpoch.AddSeconds(seconds + offsetSeconds);
        var text = new StringBuilder(35);
        text.Append(local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        if (fraction != 0)
        {
            text.Append('.').Append(fraction.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0'));
        }

        if (offsetSeconds == 0)
        {
            return text.Append('Z').ToString();
        }

        int minutes = Math.Abs(offsetSeconds) / 60;
        return text.Append(offsetSeconds < 0 ? '-' : '+')
            .Append((minutes / 60).ToString("D2", CultureInfo.InvariantCulture))
            .Append(':')
            .Append((minutes % 60).ToString("D2", CultureInfo.InvariantCulture))
            .ToString();
    }

    /// <summary>
    /// Parses "YYYY-MM-DDTHH:MM:SS[.fraction]" followed by "Z" or "+hh:mm"/"-hh:mm" (RFC 3339 section 5.6, 1 to 9
    /// fraction digits). Anything else, or an instant outside what nanoseconds in 64 bits can count (1678 to 2262),
    /// is an invalid-argument error naming <paramref name="field"/>.
    /// </summary>
    public static (long UnixNs, int OffsetSeconds) Parse(string text, string field)
    {
        return TryParse(text, out long unixNs, out int offsetSeconds)
            ? (unixNs, offsetSeconds)
            : throw SnapshotterException.InvalidArgument(
                $"{field} '{text}' is not an RFC 3339 time such as 2025-01-02T03:04:05Z or 2025-01-02T11:04:05.5+08:00 (between 1678 and 2262)");
    }

    public static bool TryParse(string text, out long unixNs, out int offsetSeconds)
    {
        unixNs = 0;
        offsetSeconds = 0;
        ReadOnlySpan<char> s = text;
        if (s.Length < 20
            || !Digits(s[..4], out int year) || s[4] != '-'
            || !Digits(s.Slice(5, 2), out int month) || s[7] != '-'
            || !Digits(s.Slice(8, 2), out int day) || s[10] is not ('T' or 't')
            || !Digits(s.Slice(11, 2), out int hour) || s[13] != ':'
            || !Digits(s.Slice(14, 2), out int minute) || s[16] != ':'
            || !Digits(s.Slice(17, 2), out int second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        int position = 19;
        long fraction = 0;
        if (s[position] == '.')
        {
            int start = ++position;
            while (position < s.Length && char.IsAsciiDigit(s[position]))
            {
                position++;
            }

            int digits = position - start;
            if (digits is 0 or > 9 || !Digits(s.Slice(start, digits), out int value))
            {
                return false;
            }

            fraction = value;
            for (int i = digits; i < 9; i++)
            {
                fraction *= 10;
            }
        }

        if (!TryParseOffset(s[position..], out offsetSeconds))
        {
            return false;
        }

        long localSeconds = (long)(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalSeconds;
        Int128 ns = ((Int128)(localSeconds - offsetSeconds) * NanosecondsPerSecond) + fraction;
        if (ns < long.MinValue || ns > long.MaxValue)
        {
            return false;
        }

        unixNs = (long)ns;
        return true;
    }

    private static bool TryParseOffset(ReadOnlySpan<char> s, out int offsetSeconds)
    {
        offsetSeconds = 0;
        if (s is "Z" or "z")
        {
            return true;
        }

        if (s.Length != 6 || s[0] is not ('+' or '-') || s[3] != ':'
            || !Digits(s.Slice(1, 2), out int hours) || !Digits(s.Slice(4, 2), out int minutes) || hours > 23 || minutes > 59)
        {
            return false;
        }

        offsetSeconds = (s[0] == '-' ? -1 : 1) * ((hours * 3600) + (minutes * 60));
        return true;
    }

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (char c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return s.Length > 0;
    }
}
