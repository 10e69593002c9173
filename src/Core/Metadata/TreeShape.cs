namespace Snapshotter.Metadata;

/// <summary>What makes a set of entries one tree that can be written out.</summary>
internal static class TreeShape
{
    /// <summary>The paths the hardlinks among <paramref name="entries"/> name: all that a map of entries by path needs to
    /// hold to find their files.</summary>
    public static HashSet<string> HardlinkTargets(IEnumerable<FileRecord> entries) =>
        entries.Where(e => e.Type == EntryType.Hardlink).Select(e => e.LinkTarget!).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The first entry (with the entry above it) that lies beneath an entry that is not a directory: a file beneath a
    /// file, or beneath a symlink, where writing it would write through the link. Null when there is none.
    /// </summary>
    public static (FileRecord Entry, FileRecord Parent)? FirstBeneathNonDirectory(IReadOnlyCollection<FileRecord> entries)
    {
        var byPath = new Dictionary<string, FileRecord>(entries.Count, StringComparer.Ordinal);
        foreach (FileRecord entry in entries)
        {
            byPath.TryAdd(entry.RelativePath, entry);
        }

        // Every ancestor is looked up as a span of the entry's path: a tree of 20,000 files would otherwise make some 60,000
        // strings to look them up with.
        Dictionary<string, FileRecord>.AlternateLookup<ReadOnlySpan<char>> ancestors = byPath.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (FileRecord entry in entries)
        {
            for (int slash = entry.RelativePath.IndexOf('/'); slash >= 0; slash = entry.RelativePath.IndexOf('/', slash + 1))
            {
                if (ancestors.TryGetValue(entry.RelativePath.AsSpan(0, slash), out FileRecord? parent) && parent.Type != EntryType.Directory)
                {
                    return (entry, parent);
                }
            }
        }

        return null;
    }
}
