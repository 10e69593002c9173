using System.Globalization;
using Snapshotter.Errors;

namespace Snapshotter.Content;

/// <summary>
/// A content digest: XXH3-64 (seed 0) over the SPF1 encoding, written "xxh3:" + lowercase hex without zero
/// padding, as Dragonfly's Go snapshotter writes it (Go's %x).
/// </summary>
internal readonly record struct Digest(ulong Value)
{
    public const string Algorithm = "xxh3";

    /// <summary>The file name of this content in the store and in object storage.</summary>
    public string Hex => Value.ToString("x", CultureInfo.InvariantCulture);

    public override string ToString() => Algorithm + ":" + Hex;

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
        if (text is null)
        {
            return false;
        }

        int colon = text.IndexOf(':');
        if (colon < 0 || !text.AsSpan(0, colon).SequenceEqual(Algorithm))
        {
            return false;
        }

        ReadOnlySpan<char> hex = text.AsSpan(colon + 1);
        if (hex.Length is 0 or > 16)
        {
            return false;
        }

        foreach (char c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        digest = new Digest(ulong.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        return true;
    }
}
