using Snapshotter.IO;

namespace Snapshotter.Oci;

/// <summary>
/// Orders strings by their UTF-8 bytes (that is, by code point), as Go's sort.Strings does. Ordinal UTF-16
/// order differs exactly where a surrogate pair meets a character in U+E000..U+FFFF. Names that are not UTF-8
/// (see <see cref="PathEncoding"/>) are ordered by their bytes too.
/// </summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        if (!PathEncoding.IsUtf8(x) || !PathEncoding.IsUtf8(y))
        {
            return PathEncoding.GetBytes(x).AsSpan().SequenceCompareTo(PathEncoding.GetBytes(y));
        }

        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            if (x[i] != y[i])
            {
                return CodePointRank(x[i]) - CodePointRank(y[i]);
            }
        }

        return x.Length - y.Length;
    }

    /// <summary>Moves surrogates above U+E000..U+FFFF, where the code points they encode belong.</summary>
    private static int CodePointRank(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
}
