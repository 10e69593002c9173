using System.Globalization;
using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Archive;

/// <summary>
/// pax extended header records (POSIX.1-2001): "LENGTH KEY=VALUE\n", LENGTH counting the whole record in
/// decimal, itself included. Keys and values are UTF-8.
/// </summary>
internal static class PaxRecords
{
    public static byte[] Encode(IEnumerable<KeyValuePair<string, string>> records)
    {
        var text = new StringBuilder();
        foreach ((string key, string value) in records)
        {
            int body = Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value) + 3; // ' ', '=', '\n'
            int length = body + 1;
            while (length != body + length.ToString(CultureInfo.InvariantCulture).Length)
            {
                length = body + length.ToString(CultureInfo.InvariantCulture).Length;
            }

            text.Append(CultureInfo.InvariantCulture, $"{length} {key}={value}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Decodes the records of one extended header; anything malformed is CORRUPT naming <paramref name="where"/>.</summary>
    public static Dictionary<string, string> Decode(ReadOnlySpan<byte> data, string where)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        while (!data.IsEmpty)
        {
            int space = data.IndexOf((byte)' ');
            if (space is <= 0 or > 20 || !int.TryParse(data[..space], NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                || length <= space + 3 || length > data.Length || data[length - 1] != '\n')
            {
                throw SnapshotterException.Corrupt($"{where}: malformed pax extended header record");
            }

            ReadOnlySpan<byte> record = data[(space + 1)..(length - 1)];
            int equals = record.IndexOf((byte)'=');
            if (equals <= 0)
            {
                throw SnapshotterException.Corrupt($"{where}: pax extended header record without a key");
            }

            try
            {
                records[strict.GetString(record[..equals])] = strict.GetString(record[(equals + 1)..]);
            }
            catch (DecoderFallbackException)
            {
                throw SnapshotterException.Corrupt($"{where}: pax extended header record that is not UTF-8");
            }

            data = data[length..];
        }

        return records;
    }

    /// <summary>"SECONDS[.FRACTION]" (pax mtime) as Unix nanoseconds: the fraction is kept to 9 digits.</summary>
    public static string FormatTime(long unixNs)
    {
        string sign = unixNs < 0 ? "-" : "";
        ulong magnitude = unixNs < 0 ? (ulong)-(unixNs + 1) + 1 : (ulong)unixNs;
        ulong fraction = magnitude % 1_000_000_000;
        return fraction == 0
            ? FormattableString.Invariant($"{sign}{magnitude / 1_000_000_000}")
            : FormattableString.Invariant($"{sign}{magnitude / 1_000_000_000}.{fraction:D9}");
    }

    public static bool TryParseTime(string text, out long unixNs)
    {
        unixNs = 0;
        ReadOnlySpan<char> s = text;
        bool negative = s.StartsWith('-');
        if (negative)
        {
            s = s[1..];
        }

        int dot = s.IndexOf('.');
        ReadOnlySpan<char> whole = dot < 0 ? s : s[..dot];
        ReadOnlySpan<char> fraction = dot < 0 ? default : s[(dot + 1)..];
        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > long.MaxValue / 1_000_000_000 - 1)
        {
            return false;
        }

        long nanos = 0;
        long scale = 100_000_000;
        foreach (char c in fraction)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            nanos += (c - '0') * scale;
            scale /= 10;
        }

        if (dot >= 0 && fraction.IsEmpty)
        {
            return false;
        }

        unixNs = (negative ? -1 : 1) * ((seconds * 1_000_000_000) + nanos);
        return true;
    }

    /// <summary>A non-negative decimal (pax size, uid, gid, GNU.sparse.*).</summary>
    public static bool TryParseNumber(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
