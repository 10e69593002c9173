using System.Collections;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;

namespace Snapshotter.Tests.Metadata;

/// <summary>A snapshot's files in the database's order (the bytes of their paths), sorted without holding the records.</summary>
public sealed class SortedFileListTests
{
    private static readonly FileRecord Base = new("a", new Digest(0x1234), false, 0x1A4, 1000, 1000, 12, 1_767_000_000_123_456_789, 0, EntryType.Regular);

    /// <summary>Paths in the order of their bytes, which UTF-16 order does not give for the last three: a character above
    /// U+FFFF, one of U+E000..U+FFFF, and a byte that is not UTF-8.</summary>
    private static readonly string[] InByteOrder = ["a", "a/b", "a0", "b\u00E9", "b\uE000", "b\U0001F600", "b" + PathEncoding.FromBytes([0xFF])];

    [Fact]
    public void A_list_made_on_demand_is_sorted_by_the_bytes_of_its_paths_without_reading_a_record()
    {
        var random = new Random(5);
        string[] many = [.. Enumerable.Range(0, 500).Select(i => $"d{i % 7}/f{i}"), .. InByteOrder];
        string[] paths = [.. many.OrderBy(_ => random.Next())];
        var files = new OnDemand(paths);

        SortedFileList sorted = SortedFileList.Of(files, i => paths[i]);

        // The key reads the list in order, once or twice; a sort reading records would have made thousands.
        Assert.InRange(files.Made, paths.Length, 2 * paths.Length);
        string[] expected = [.. many.OrderBy(p => PathEncoding.GetBytes(p), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))];
        Assert.Equal(expected, sorted.Select(f => f.RelativePath));
        Assert.Equal(expected, Enumerable.Range(0, sorted.Count).Select(i => sorted[i].RelativePath));
        Assert.Equal(InByteOrder, expected.Where(InByteOrder.Contains));
        Assert.Equal(FileListKey.Of(paths.Select(Record).ToArray()), sorted.Key);
        Assert.False(sorted.InOrdinalOrder);
    }

    [Fact]
    public void Paths_below_U_D800_are_in_ordinal_order_and_keyed_as_any_list_of_them()
    {
        FileRecord[] records = [.. new[] { "b/c", "a", "b", "a/z", "\u00E9t\u00E9" }.Select(Record)];

        SortedFileList sorted = SortedFileList.Of(records);

        Assert.True(sorted.InOrdinalOrder);
        Assert.Equal(["a", "a/z", "b", "b/c", "\u00E9t\u00E9"], sorted.Select(f => f.RelativePath));
        Assert.Equal(FileListKey.Of(records.Reverse().ToList()), sorted.Key);
    }

    [Fact]
    public void Records_held_already_sort_the_same()
    {
        FileRecord[] records = [.. InByteOrder.Reverse().Select(Record)];

        SortedFileList sorted = SortedFileList.Of(records);

        Assert.Equal(InByteOrder, sorted.Select(f => f.RelativePath));
        Assert.Equal(FileListKey.Of(records), sorted.Key);
    }

    private static FileRecord Record(string path) => Base with { RelativePath = path, Size = path.Length };

    /// <summary>A list that makes each record when it is read, and counts them.</summary>
    private sealed class OnDemand(string[] paths) : IReadOnlyList<FileRecord>
    {
        public int Made { get; private set; }

        public int Count => paths.Length;

        public FileRecord this[int index]
        {
            get
            {
                Made++;
                return Record(paths[index]);
            }
        }

        public IEnumerator<FileRecord> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
