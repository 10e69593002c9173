using System.Globalization;
using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Archive;

/// <summary>
/// pax extended header records (POSIX.1-2001): "LENGTH KEY=VALUE\n", LENGTH counting the whole record in
/// decimal, itself included. Keys are UTF-8. Values are bytes: pax says UTF-8, but GNU tar writes a path, link
/// target or xattr value that is not UTF-8 as its raw bytes (without an hdrcharset record, which it does not
/// know), and reads them back the same way, so values are kept exactly as they are.
/// </summary>
internal static class PaxRecords
{
    /// <summary>GNU tar's (and star's) record of one extended attribute: this prefix, then the attribute's name.</summary>
    public const string XattrPrefix = "SCHILY.xattr.";

    public static byte[] Encode(IEnumerable<KeyValuePair<string, byte[]>> records)
    {
        var output = new MemoryStream();
        foreach ((string key, byte[] value) in records)
        {
            int body = Encoding.UTF8.GetByteCount(key) + value.Length + 3; // ' ', '=', '\n'
            int length = body + 1;
            while (length != body + length.ToString(CultureInfo.InvariantCulture).Length)
            {
                length = body + length.ToString(CultureInfo.InvariantCulture).Length;
            }

            output.Write(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{length} {key}=")));
            output.Write(value);
            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    /// <summary>A record whose value is text (a number, a time).</summary>
    public static KeyValuePair<string, byte[]> Text(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    /// <summary>The record key of extended attribute <paramref name="name"/>: as GNU tar writes it, '%' and '=' (which
    /// would end the key) percent-encoded.</summary>
    public static string XattrKey(string name) => XattrPrefix + name.Replace("%", "%25", StringComparison.Ordinal).Replace("=", "%3D", StringComparison.Ordinal);

    /// <summary>The attribute name of a <see cref="XattrPrefix"/> key, undoing what <see cref="XattrKey"/> encodes (and
    /// only that, as GNU tar does).</summary>
    public static string XattrName(string key) => key[XattrPrefix.Length..].Replace("%3D", "=", StringComparison.Ordinal).Replace("%25", "%", StringComparison.Ordinal);

    /// <summary>
    /// Decodes the records of one extended header, in order; anything malformed (a key that is not UTF-8 included)
    /// is CORRUPT naming <paramref name="where"/>.
    /// </summary>
    public static List<KeyValuePair<string, byte[]>> Decode(ReadOnlySpan<byte> data, string where)
    {
        var records = new List<KeyValuePair<string, byte[]>>();
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
                records.Add(new(strict.GetString(record[..equals]), record[(equals + 1)..].ToArray()));
            }
            catch (DecoderFallbackException)
            {
                throw SnapshotterException.Corrupt($"{where}: pax extended header record whose key is not UTF-8");
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
