using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// What an in-place restore with delete-extra removes: everything under the output dir that the snapshot does not
/// hold (within the selection of a partial restore), directories left empty included. The walk goes through
/// directory descriptors and never follows a symlink: a link is removed as a link, a directory swapped for a link
/// mid-walk is refused by O_NOFOLLOW, so nothing outside the output dir is touched. Kept are the snapshot's files,
/// the directories leading to them (or whatever a partial restore left at such a path), the store's own root should
/// it lie inside, and the incomplete-restore marker.
/// </summary>
internal sealed class ExtraFiles
{
    private readonly string _outputDir;
    private readonly PathSelection? _selection;
    private readonly CancellationToken _cancellation;
    private readonly HashSet<string> _keptFiles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _keptDirectories = new(StringComparer.Ordinal);
    private readonly FileStatus? _storeRoot;

    public ExtraFiles(string outputDir, IEnumerable<FileRecord> snapshotFiles, PathSelection? selection, string storeRoot, CancellationToken cancellation)
    {
        _outputDir = outputDir;
        _selection = selection;
        _cancellation = cancellation;
        _storeRoot = UnixPath.TryStat(storeRoot, followSymlinks: false);

        // The marker of the restores at work in this dir (this one included) says whether the tree is whole.
        Keep(RestoreMarker.FileName);
        foreach (FileRecord file in snapshotFiles)
        {
            if (file.Type == EntryType.Directory)
            {
                // Kept, even empty, and swept: what it holds beyond the snapshot goes.
                Keep(file.RelativePath + "/");
            }
            else
            {
                Keep(file.RelativePath);
            }
        }
    }

    /// <summary>Removes the extras. Returns how many files, links and other non-directories went.</summary>
    public long Remove()
    {
        using UnixDirectory root = UnixDirectory.Open(_outputDir);
        return Sweep(root, "").Removed;
    }

    private (long Removed, bool Emptied) Sweep(UnixDirectory directory, string relativeDir)
    {
        long removed = 0;
        bool emptied = true;
        foreach (UnixDirectory.Entry entry in directory.ReadEntries())
        {
            _cancellation.ThrowIfCancellationRequested();
            // Text keeps a name that is not UTF-8 as the snapshot's paths hold it, so such an entry is kept, not swept.
            string relative = relativeDir.Length == 0 ? entry.Text : $"{relativeDir}/{entry.Text}";
            FileStatus? status = directory.Stat(entry);
            if (status is null)
            {
                continue;
            }

            if (_keptFiles.Contains(relative) || (_storeRoot is { } store && status.Value.IsSameInode(store)))
            {
                emptied = false;
            }
            else if (status.Value.IsDirectory)
            {
                bool kept = _keptDirectories.Contains(relative);
                (long inside, bool childEmptied) = SweepChild(directory, entry, relative);
                removed += inside;
                emptied &= !kept && childEmptied && Selected(relative) && directory.TryRemoveDirectory(entry);
            }
            else if (_keptDirectories.Contains(relative) || !Selected(relative))
            {
                emptied = false;
            }
            else
            {
                directory.RemoveFile(entry);
                removed++;
            }
        }

        return (removed, emptied);
    }

    private (long Removed, bool Emptied) SweepChild(UnixDirectory directory, UnixDirectory.Entry entry, string relative)
    {
        using UnixDirectory? child = directory.OpenChild(entry);
        return child is null ? (0, false) : Sweep(child, relative);
    }

    private bool Selected(string relative) => _selection is null || _selection.Selects(relative);

    /// <summary>Records a file to keep and every directory (or link to one) on its way; a path ending in '/' is a
    /// directory to keep, not a file.</summary>
    private void Keep(string relative)
    {
        if (!relative.EndsWith('/'))
        {
            _keptFiles.Add(relative);
        }

        for (int slash = relative.IndexOf('/'); slash > 0; slash = relative.IndexOf('/', slash + 1))
        {
            _keptDirectories.Add(relative[..slash]);
        }
    }
}
