using System.Collections;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// A snapshot's files in the order the database lists them (by the bytes of their paths, SQLite's binary order), with
/// their <see cref="FileListKey"/>: sorted and hashed once for the commit and for the recovery record written after it,
/// which is serialized from here, in the order it would have been read back in, instead of read back.
/// </summary>
internal sealed class SortedFileList : IReadOnlyList<FileRecord>
{
    private readonly FileRecord[] _files;

    private SortedFileList(FileRecord[] files)
    {
        _files = files;
        Key = FileListKey.Of(this);
    }

    public byte[] Key { get; }

    public int Count => _files.Length;

    public FileRecord this[int index] => _files[index];

    public static SortedFileList Of(IEnumerable<FileRecord> files)
    {
        FileRecord[] sorted = [.. files];
        // UTF-16 ordinal order is the order of the UTF-8 bytes unless a path holds a character from U+D800 up: a
        // surrogate (a code point above U+FFFF, or a byte of a name that is not UTF-8) or one of U+E000..U+FFFF.
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        if (sorted.Any(f => f.RelativePath.AsSpan().ContainsAnyInRange('\uD800', '\uFFFF')))
        {
            byte[][] paths = sorted.Select(f => PathEncoding.GetBytes(f.RelativePath)).ToArray();
            Array.Sort(paths, sorted, Comparer<byte[]>.Create(static (a, b) => a.AsSpan().SequenceCompareTo(b)));
        }

        return new SortedFileList(sorted);
    }

    public IEnumerator<FileRecord> GetEnumerator() => ((IEnumerable<FileRecord>)_files).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
