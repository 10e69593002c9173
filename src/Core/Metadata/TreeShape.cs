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
    public static (FileRecord Entry, FileRecord Parent)? FirstBeneathNonDirectory(IReadOnlyCollection<FileRecord> entries) =>
        FirstBeneathNonDirectory(entries, e => e.RelativePath, e => e.Type);

    /// <summary>As <see cref="FirstBeneathNonDirectory(IReadOnlyCollection{FileRecord})"/>, over entries known by their
    /// path and type only (a snapshot checks its tree before it records anything). Parents are looked up by a span of
    /// the entry's path, not a string made for each: at 100,000 entries those strings were some 8 MB.</summary>
    public static (T Entry, T Parent)? FirstBeneathNonDirectory<T>(IReadOnlyCollection<T> entries, Func<T, string> pathOf, Func<T, EntryType> typeOf)
    {
        var byPath = new Dictionary<string, T>(entries.Count, StringComparer.Ordinal);
        foreach (T entry in entries)
        {
            byPath.TryAdd(pathOf(entry), entry);
        }

        Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> bySpan = byPath.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (T entry in entries)
        {
            string path = pathOf(entry);
            for (int slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                if (bySpan.TryGetValue(path.AsSpan(0, slash), out T? parent) && typeOf(parent) != EntryType.Directory)
                {
                    return (entry, parent);
                }
            }
        }

        return null;
    }
}
