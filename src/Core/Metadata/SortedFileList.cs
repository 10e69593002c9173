using System.Collections;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// A snapshot's files in the order the database lists them (by the bytes of their paths, SQLite's binary order), with
/// their <see cref="FileListKey"/>: sorted and hashed once for the commit and for the recovery record written after it,
/// which is serialized from here, in the order it would have been read back in, instead of read back. It holds the
/// order, not the records: a list made on demand (a snapshot's records, made from its tree as they are read) stays so,
/// and 100,000 records held at once for the commit were some 10 MB at a snapshot's peak.
/// </summary>
internal sealed class SortedFileList : IReadOnlyList<FileRecord>
{
    private readonly IReadOnlyList<FileRecord> _files;
    private readonly int[] _order;

    private SortedFileList(IReadOnlyList<FileRecord> files, int[] order, bool inOrdinalOrder)
    {
        _files = files;
        _order = order;
        InOrdinalOrder = inOrdinalOrder;
        Key = FileListKey.Of(this);
    }

    public byte[] Key { get; }

    /// <summary>Whether the order of the paths' bytes is their UTF-16 ordinal order too, the order <see cref="FileListKey"/>
    /// hashes in: true unless a path holds a character from U+D800 up.</summary>
    public bool InOrdinalOrder { get; }

    public int Count => _order.Length;

    public FileRecord this[int index] => _files[_order[index]];

    /// <summary>Sorts <paramref name="files"/>, whose paths <paramref name="pathOf"/> gives by index without reading a
    /// record.</summary>
    public static SortedFileList Of(IReadOnlyList<FileRecord> files, Func<int, string> pathOf)
    {
        int[] order = new int[files.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // UTF-16 ordinal order is the order of the UTF-8 bytes unless a path holds a character from U+D800 up: a
        // surrogate (a code point above U+FFFF, or a byte of a name that is not UTF-8) or one of U+E000..U+FFFF.
        bool beyondOrdinal = order.Any(i => pathOf(i).AsSpan().ContainsAnyInRange('\uD800', '\uFFFF'));
        if (beyondOrdinal)
        {
            byte[][] paths = order.Select(i => PathEncoding.GetBytes(pathOf(i))).ToArray();
            Array.Sort(paths, order, Comparer<byte[]>.Create(static (a, b) => a.AsSpan().SequenceCompareTo(b)));
        }
        else
        {
            Array.Sort(order, (a, b) => string.CompareOrdinal(pathOf(a), pathOf(b)));
        }

        return new SortedFileList(files, order, !beyondOrdinal);
    }

    /// <summary>Sorts records held already.</summary>
    public static SortedFileList Of(IReadOnlyList<FileRecord> files) => Of(files, i => files[i].RelativePath);

    public IEnumerator<FileRecord> GetEnumerator()
    {
        foreach (int index in _order)
        {
            yield return _files[index];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
