using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Progress;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// One diff call: a snapshot against another snapshot (records compared, nothing read), or against a directory
/// (walked through directory descriptors without following symlinks; a regular file of the snapshot's size is
/// read and hashed unless it is the stored inode itself, so identical content is known, not guessed from
/// mtimes). An entry of another type differs by its type alone. Entries come out ordered by path.
/// </summary>
internal sealed class DiffOperation
{
    private readonly EngineContext _context;
    private readonly DiffRequest _request;
    private readonly CancellationToken _cancellation;

    public DiffOperation(EngineContext context, DiffRequest request, CancellationToken cancellation)
    {
        _context = context;
        _request = request;
        _cancellation = cancellation;
    }

    public List<DiffEntry> Run()
    {
        if ((_request.To is null) == (_request.Directory is null))
        {
            throw SnapshotterException.InvalidArgument("give exactly one of other_ref (a snapshot) and other_dir (a directory) to compare with");
        }

        List<FileRecord> from = _context.Metadata.GetFiles(Catalog.Find(_context, _request.From).Id);
        List<DiffEntry> entries = _request.To is { } to
            ? CompareSnapshots(from, _context.Metadata.GetFiles(Catalog.Find(_context, to).Id))
            : CompareDirectory(from, _request.Directory!);
        entries.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return entries;
    }

    private static List<DiffEntry> CompareSnapshots(List<FileRecord> from, List<FileRecord> to)
    {
        Dictionary<string, FileRecord> second = to.ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        var entries = new List<DiffEntry>();
        foreach (FileRecord first in from)
        {
            if (!second.Remove(first.RelativePath, out FileRecord? other))
            {
                entries.Add(new DiffEntry(first.RelativePath, DiffKind.Removed, DiffReasons.None));
                continue;
            }

            DiffReasons reasons = first.Type != other.Type
                ? DiffReasons.Type
                : (first.Digest != other.Digest ? DiffReasons.Content : DiffReasons.None)
                    | (first.Size != other.Size ? DiffReasons.Size : DiffReasons.None)
                    | (first.LinkTarget != other.LinkTarget ? DiffReasons.LinkTarget : DiffReasons.None)
                    | (first.DeviceMajor != other.DeviceMajor || first.DeviceMinor != other.DeviceMinor ? DiffReasons.Device : DiffReasons.None)
                    | (!Equals(first.Xattrs, other.Xattrs) ? DiffReasons.Xattrs : DiffReasons.None);
            reasons |= (first.Mode != other.Mode ? DiffReasons.Mode : DiffReasons.None)
                | (first.ModificationTimeNs != other.ModificationTimeNs ? DiffReasons.Mtime : DiffReasons.None)
                | (first.ReadOnly != other.ReadOnly ? DiffReasons.ReadOnly : DiffReasons.None)
                | (first.Uid != other.Uid || first.Gid != other.Gid ? DiffReasons.Owner : DiffReasons.None);
            if (reasons != DiffReasons.None)
            {
                entries.Add(new DiffEntry(first.RelativePath, DiffKind.Changed, reasons));
            }
        }

        entries.AddRange(second.Keys.Select(path => new DiffEntry(path, DiffKind.Added, DiffReasons.None)));
        return entries;
    }

    /// <summary>
    /// The snapshot against a directory. Each entry is compared by type, then as its type asks: a symlink's target, a
    /// device's numbers, a hardlink's inode (the same as its file's), a file's content; and everybody's mode, mtime,
    /// xattrs and owner (as root). What the directory holds beyond the snapshot is added, but for directories on the way
    /// to the snapshot's entries (a snapshot of files alone records none).
    /// </summary>
    private List<DiffEntry> CompareDirectory(List<FileRecord> from, string directory)
    {
        if (directory.Length == 0)
        {
            throw SnapshotterException.InvalidArgument("other_dir is empty");
        }

        switch (UnixPath.TryStat(directory, followSymlinks: true))
        {
            case null:
                throw SnapshotterException.NotFound($"other_dir '{directory}' does not exist");
            case { IsDirectory: false }:
                throw SnapshotterException.InvalidArgument($"other_dir '{directory}' is not a directory");
        }

        string root = UnixPath.ResolveDirectory(directory, "other_dir");
        Dictionary<string, FileStatus> present;
        using (UnixDirectory top = UnixDirectory.Open(root))
        {
            present = TreeWalk.Collect(top, _cancellation);
        }

        using OutputTree tree = OutputTree.Open(root);
        var comparer = new TargetComparer(_context);
        var implied = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<DiffEntry>();
        var toHash = new List<(FileRecord File, FileStatus Status, DiffReasons Attributes)>();
        Dictionary<string, FileStatus> snapshotPaths = new(StringComparer.Ordinal);
        foreach (FileRecord file in from)
        {
            for (int slash = file.RelativePath.IndexOf('/'); slash > 0; slash = file.RelativePath.IndexOf('/', slash + 1))
            {
                implied.Add(file.RelativePath[..slash]);
            }

            if (present.TryGetValue(file.RelativePath, out FileStatus found))
            {
                snapshotPaths[file.RelativePath] = found;
            }
        }

        foreach (FileRecord file in from)
        {
            if (!present.Remove(file.RelativePath, out FileStatus status))
            {
                entries.Add(new DiffEntry(file.RelativePath, DiffKind.Removed, DiffReasons.None));
                continue;
            }

            if (!TargetComparer.IsOfType(file, status))
            {
                entries.Add(new DiffEntry(file.RelativePath, DiffKind.Changed, DiffReasons.Type));
                continue;
            }

            (string parentDir, string name) = RelativePath.Split(file.RelativePath);
            using TreeDirectory? parent = tree.TryOpenDirectory(parentDir, out _);
            DiffReasons attributes = comparer.AttributeDifferences(file, status)
                | (parent is null || TargetComparer.XattrsDiffer(file, parent, name) ? DiffReasons.Xattrs : DiffReasons.None)
                | (file.Type == EntryType.Symlink && parent?.ReadLink(name) != file.LinkTarget ? DiffReasons.LinkTarget : DiffReasons.None)
                | (file.Type is EntryType.CharacterDevice or EntryType.BlockDevice && (status.NodeMajor != file.DeviceMajor || status.NodeMinor != file.DeviceMinor) ? DiffReasons.Device : DiffReasons.None)
                | (file.Type == EntryType.Hardlink && !(snapshotPaths.TryGetValue(file.LinkTarget!, out FileStatus shared) && shared.IsSameInode(status)) ? DiffReasons.LinkTarget : DiffReasons.None);
            if (!file.HasContent || (attributes & DiffReasons.Size) != 0)
            {
                if (attributes != DiffReasons.None)
                {
                    entries.Add(new DiffEntry(file.RelativePath, DiffKind.Changed, attributes));
                }
            }
            else
            {
                toHash.Add((file, status, attributes));
            }
        }

        entries.AddRange(present.Where(p => !(p.Value.IsDirectory && implied.Contains(p.Key))).Select(p => new DiffEntry(p.Key, DiffKind.Added, DiffReasons.None)));

        var progress = new ProgressTracker(_request.Progress, _context.Time, toHash.Count, toHash.Sum(h => h.Status.Size));
        var changed = new DiffEntry?[toHash.Count];
        BoundedParallel.For(toHash.Count, _context.Concurrency, _cancellation, (i, token) =>
        {
            (FileRecord file, FileStatus status, DiffReasons attributes) = toHash[i];
            (string parentDir, string name) = RelativePath.Split(file.RelativePath);
            using TreeDirectory? parent = tree.TryOpenDirectory(parentDir, out _);
            bool same = parent is not null && comparer.ContentMatches(file, status, () => parent.OpenRead(name), token);
            DiffReasons reasons = attributes | (same ? DiffReasons.None : DiffReasons.Content);
            changed[i] = reasons == DiffReasons.None ? null : new DiffEntry(file.RelativePath, DiffKind.Changed, reasons);
            progress.FileDone(status.Size);
        });
        progress.Complete();
        entries.AddRange(changed.OfType<DiffEntry>());
        return entries;
    }
}
