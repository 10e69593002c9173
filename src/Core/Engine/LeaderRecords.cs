using System.Collections.Concurrent;
using Snapshotter.Metadata;

namespace Snapshotter.Engine;

/// <summary>
/// The records of the files hardlinks of a tree share their inode with (their leaders), kept while the other files'
/// records are let go once staged: a hardlink is recorded as its leader's file under its own path, once every leader
/// is stored.
/// </summary>
internal sealed class LeaderRecords
{
    private readonly SourceTree _tree;
    private readonly HashSet<int> _leaders;
    private readonly ConcurrentDictionary<int, FileRecord> _records = new();

    public LeaderRecords(SourceTree tree)
    {
        _tree = tree;
        _leaders = tree.Links.Select(link => link.Leader).ToHashSet();
    }

    /// <summary>Keeps the record of the file at <paramref name="index"/> of <see cref="SourceTree.Files"/> if it leads hardlinks.</summary>
    public void Keep(int index, FileRecord record)
    {
        if (_leaders.Contains(index))
        {
            _records[index] = record;
        }
    }

    /// <summary>The tree's hardlinks, once every leader is kept.</summary>
    public IEnumerable<FileRecord> Links() => Links(_tree, i => _records[i]);

    /// <summary>The hardlinks of <paramref name="tree"/>, each its leader's record (by index of
    /// <see cref="SourceTree.Files"/>) under its own path.</summary>
    public static IEnumerable<FileRecord> Links(SourceTree tree, Func<int, FileRecord> leaderRecord) =>
        tree.Links.Select(link => leaderRecord(link.Leader) with
        {
            RelativePath = link.RelativePath, Type = EntryType.Hardlink, LinkTarget = leaderRecord(link.Leader).RelativePath,
        });
}
