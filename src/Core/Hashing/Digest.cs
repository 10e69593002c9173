using System.Buffers;
using System.Globalization;
using Snapshotter.Errors;

namespace Snapshotter.Hashing;

/// <summary>
/// A content digest: XXH3-64 (seed 0) over the SPF1 encoding, written "xxh3:" + lowercase hex without zero
/// padding, as Dragonfly's Go snapshotter writes it (Go's %x).
/// </summary>
internal readonly record struct Digest(ulong Value)
{
    public const string Algorithm = "xxh3";

    /// <summary>The longest text form: the algorithm, a colon and 16 hex digits.</summary>
    public const int MaxTextLength = 5 + 16;

    /// <summary>The file name of this content in the store and in object storage.</summary>
    public string Hex => Value.ToString("x", CultureInfo.InvariantCulture);

    public override string ToString() => Algorithm + ":" + Hex;

    /// <summary>Writes the text form in UTF-8 (at most <see cref="MaxTextLength"/> bytes); returns its length.</summary>
    public int FormatUtf8(Span<byte> destination)
    {
        "xxh3:"u8.CopyTo(destination);
        if (!Value.TryFormat(destination[5..], out int written, "x", CultureInfo.InvariantCulture))
        {
            throw new ArgumentException($"a digest needs {MaxTextLength} bytes", nameof(destination));
        }

        return 5 + written;
    }

    /// <summary>Writes <see cref="Hex"/> in UTF-8 followed by a NUL (at most 17 bytes), as a file name for a system call;
    /// returns the name's length without the NUL.</summary>
    public int FormatHexNulTerminated(Span<byte> destination)
    {
        if (!Value.TryFormat(destination, out int written, "x", CultureInfo.InvariantCulture) || written >= destination.Length)
        {
            throw new ArgumentException("a digest's name needs 17 bytes", nameof(destination));
        }

        destination[written] = 0;
        return written;
    }

    /// <summary>Parses "xxh3:&lt;hex&gt;" (1 to 16 hex digits). Anything else is an invalid-argument error naming it.</summary>
    public static Digest Parse(string text)
    {
        return TryParse(text, out Digest digest)
            ? digest
            : throw SnapshotterException.InvalidArgument($"malformed digest '{text}': expected '{Algorithm}:' and 1 to 16 hex digits");
    }

    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        return text is not null && TryParseText(text, out digest);
    }

    private static bool TryParseText(ReadOnlySpan<char> text, out Digest digest)
    {
        digest = default;
        int colon = text.IndexOf(':');
        if (colon < 0 || !text[..colon].SequenceEqual(Algorithm))
        {
            return false;
        }

        ReadOnlySpan<char> hex = text[(colon + 1)..];
        if (hex.Length is 0 or > 16 || hex.ContainsAnyExcept(HexDigits))
        {
            return false;
        }

        digest = new Digest(ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>The UTF-8 text form, as a database column holds it.</summary>
    public static bool TryParseUtf8(ReadOnlySpan<byte> utf8, out Digest digest)
    {
        digest = default;
        if (utf8.Length > MaxTextLength + 16)
        {
            return false;
        }

        Span<char> text = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            text[i] = (char)utf8[i];
        }

        return TryParseText(text, out digest);
    }

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");
}
