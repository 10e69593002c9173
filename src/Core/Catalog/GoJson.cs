using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Snapshotter.Catalog;

/// <summary>
/// The bytes Go's encoding/json writes (Go 1.22 and later), for the parts of the snapshot artifact that must
/// match Dragonfly's Go snapshotter byte for byte: strings with Go's escaping and time.Time as RFC 3339 with
/// nanoseconds, and the parsing of what Go writes.
/// </summary>
internal static partial class GoJson
{
    private const long NanosPerSecond = 1_000_000_000;
    private const int MaxOffsetSeconds = (24 * 3600) - 1;

    [GeneratedRegex(@"\A(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string the way Go's json.Marshal does: HTML-safe (&lt;, &gt; and
    /// &amp; as \u003c, \u003e, \u0026), U+2028 and U+2029 escaped, \b \f \n \r \t short, other control
    /// characters as \u00XX with lowercase hex, invalid UTF-16 (Go: invalid UTF-8) as \ufffd.
    /// </summary>
    public static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case < ' ':
                    json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        json.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        json.Append("\\ufffd");
                    }
                    else
                    {
                        json.Append(c);
                    }

                    break;
            }
        }

        json.Append('"');
    }

    /// <summary>
    /// A time as Go's time.Time.MarshalJSON writes it (RFC 3339 with nanoseconds, trailing zeros trimmed, "Z"
    /// for a zero offset, the offset truncated to whole minutes as Go does) without the quotes.
    /// </summary>
    public static string FormatTime(long unixNs, int offsetSeconds)
    {
        long seconds = Math.DivRem(unixNs, NanosPerSecond, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += NanosPerSecond;
        }

        DateTime local = DateTime.UnixEpoch.AddTicks((seconds + offsetSeconds) * TimeSpan.TicksPerSecond);
        var text = new StringBuilder(35);
        text.Append(local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        if (nanos != 0)
        {
            text.Append('.').Append(nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0'));
        }

        if (offsetSeconds == 0)
        {
            return text.Append('Z').ToString();
        }

        int zoneMinutes = offsetSeconds / 60;
        text.Append(zoneMinutes < 0 ? '-' : '+');
        zoneMinutes = Math.Abs(zoneMinutes);
        text.Append((zoneMinutes / 60).ToString("D2", CultureInfo.InvariantCulture)).Append(':').Append((zoneMinutes % 60).ToString("D2", CultureInfo.InvariantCulture));
        return text.ToString();
    }

    /// <summary>
    /// Parses an RFC 3339 time as Go's time.Time.UnmarshalJSON accepts it (any number of fractional digits,
    /// nanoseconds kept). False when it is malformed, out of range, or outside what nanoseconds since the Unix
    /// epoch in 64 bits can hold (1677 to 2262).
    /// </summary>
    public static bool TryParseTime(string text, out long unixNs, out int offsetSeconds)
    {
        unixNs = 0;
        offsetSeconds = 0;
        Match match = Rfc3339().Match(text);
        if (!match.Success)
        {
            return false;
        }

        int Number(int group) => int.Parse(match.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        int year = Number(1), month = Number(2), day = Number(3), hour = Number(4), minute = Number(5), second = Number(6);
        if (month is < 1 or > 12 || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        if (match.Groups[9].Success)
        {
            int offsetHours = Number(10), offsetMinutes = Number(11);
            if (offsetHours > 23 || offsetMinutes > 59)
            {
                return false;
            }

            offsetSeconds = ((offsetHours * 60) + offsetMinutes) * 60 * (match.Groups[9].ValueSpan[0] == '-' ? -1 : 1);
        }

        long nanos = 0;
        if (match.Groups[7].Success)
        {
            ReadOnlySpan<char> fraction = match.Groups[7].ValueSpan;
            fraction = fraction.Length > 9 ? fraction[..9] : fraction;
            nanos = long.Parse(fraction, NumberStyles.None, CultureInfo.InvariantCulture);
            for (int i = fraction.Length; i < 9; i++)
            {
                nanos *= 10;
            }
        }

        long localSeconds = (long)(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc) - DateTime.UnixEpoch).TotalSeconds;
        long utcSeconds = localSeconds - offsetSeconds;
        const long MaxSeconds = long.MaxValue / NanosPerSecond;
        if (utcSeconds < -MaxSeconds || utcSeconds >= MaxSeconds || Math.Abs(offsetSeconds) > MaxOffsetSeconds)
        {
            return false;
        }

        unixNs = (utcSeconds * NanosPerSecond) + nanos;
        return true;
    }
}
