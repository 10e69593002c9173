namespace Snapshotter.IO;

/// <summary>
/// Orders names by their bytes as the kernel has them (see <see cref="PathEncoding"/>): for UTF-8 names that is code
/// point order, as Go's sort.Strings orders them and SQLite's BINARY collation orders the stored paths. Ordinal UTF-16
/// order differs exactly where a surrogate pair meets a character in U+E000..U+FFFF; names that are not UTF-8 are
/// compared as their bytes.
/// </summary>
internal sealed class PathOrder : IComparer<string>
{
    public static readonly PathOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        int common = x.AsSpan().CommonPrefixLength(y);
        if (common == x.Length || common == y.Length)
        {
            return x.Length - y.Length;
        }

        // Characters below the surrogates encode to the same bytes wherever they stand, in the order of their values.
        if (x[common] < '\uD800' && y[common] < '\uD800')
        {
            return x[common] - y[common];
        }

        if (!PathEncoding.IsUtf8(x) || !PathEncoding.IsUtf8(y))
        {
            return PathEncoding.GetBytes(x).AsSpan().SequenceCompareTo(PathEncoding.GetBytes(y));
        }

        return CodePointRank(x[common]) - CodePointRank(y[common]);
    }

    /// <summary>Moves surrogates above U+E000..U+FFFF, where the code points they encode belong.</summary>
    private static int CodePointRank(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
}
