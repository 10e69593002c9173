using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Lifecycle;

/// <summary>
/// What an active's own directory changed over its parent's files, read as overlayfs writes an upper directory: each
/// entry there replaces the parent's entry at its path; a non-directory (a file, a symlink, a whiteout: the character
/// device 0/0 overlayfs leaves for a deletion) also hides everything the parent had below its path, and so does a
/// directory marked opaque (xattr trusted.overlay.opaque = "y"). Reading it costs what the active changed, never what
/// the parent holds.
/// </summary>
internal sealed class LayerChanges
{
    private const string OverlayAttributePrefix = "trusted.overlay.";
    private const string OpaqueAttribute = OverlayAttributePrefix + "opaque";

    private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hidingBelow = new(StringComparer.Ordinal);

    /// <summary>The layer's entries without content, recorded as they are.</summary>
    private readonly List<FileRecord> _entries = [];

    /// <summary>What the snapshot operation does not record of a stored file: setuid, setgid and sticky, and extended
    /// attributes.</summary>
    private readonly Dictionary<string, (uint ModeBits, ExtendedAttributes? Xattrs)> _fileAttributes = new(StringComparer.Ordinal);

    /// <summary>The further paths of a regular file's inode (by the path stored, the first by name), in order.</summary>
    private readonly Dictionary<string, List<string>> _hardlinks = new(StringComparer.Ordinal);

    private LayerChanges()
    {
    }

    /// <summary>The regular files of the directory, by relative path: what the commit stores (one path of each inode).</summary>
    public List<string> Files { get; } = [];

    public static LayerChanges Read(string tree, CancellationToken cancellation)
    {
        var changes = new LayerChanges();
        using UnixDirectory root = UnixDirectory.Open(tree);
        var inodes = new Dictionary<(ulong, ulong), List<string>>();
        changes.Read(root, tree, "", recordable: true, inodes, cancellation);
        foreach (List<string> paths in inodes.Values)
        {
            paths.Sort(StringComparer.Ordinal);
            changes.Files.Add(paths[0]);
            if (paths.Count > 1)
            {
                changes._hardlinks.Add(paths[0], paths[1..]);
            }
        }

        return changes;
    }

    /// <summary>Whether a parent's entry at <paramref name="relativePath"/> is still there over this layer.</summary>
    public bool Keeps(string relativePath)
    {
        if (_replaced.Contains(relativePath))
        {
            return false;
        }

        for (int slash = relativePath.IndexOf('/'); slash >= 0; slash = relativePath.IndexOf('/', slash + 1))
        {
            if (_hidingBelow.Contains(relativePath[..slash]))
            {
                return false;
            }
        }

        return true;
    }

    /// <param name="recordable">Whether the files below can be recorded: not below a directory whose name cannot.</param>
    private void Read(UnixDirectory directory, string directoryPath, string relativeDir, bool recordable, Dictionary<(ulong, ulong), List<string>> inodes, CancellationToken cancellation)
    {
        foreach (UnixDirectory.Entry entry in directory.ReadEntries())
        {
            cancellation.ThrowIfCancellationRequested();
            if (directory.Stat(entry) is not { } status)
            {
                continue;
            }

            string relative = relativeDir.Length == 0 ? entry.Text : $"{relativeDir}/{entry.Text}";
            string path = Path.Join(directoryPath, entry.Text);
            _replaced.Add(relative);
            bool record = recordable && IsRecordable(entry);
            if (!status.IsDirectory)
            {
                _hidingBelow.Add(relative);
                if (record && !IsWhiteout(status))
                {
                    RecordEntry(directory, entry, relative, path, status, inodes);
                }

                continue;
            }

            if (record)
            {
                RecordEntry(directory, entry, relative, path, status, inodes);
            }

            if (IsOpaque(path))
            {
                _hidingBelow.Add(relative);
            }

            if (directory.OpenChild(entry) is { } child)
            {
                using (child)
                {
                    Read(child, path, relative, record, inodes, cancellation);
                }
            }
        }
    }

    /// <summary>A regular file is stored (one path per inode, in <paramref name="inodes"/>), keeping what the store does
    /// not record of it; any other entry but a socket (which is no content) is recorded here.</summary>
    private void RecordEntry(UnixDirectory directory, UnixDirectory.Entry entry, string relative, string path, in FileStatus status, Dictionary<(ulong, ulong), List<string>> inodes)
    {
        if (status.IsSocket)
        {
            return;
        }

        ExtendedAttributes? xattrs = ExtendedAttributeReader.Read(path, name => !name.StartsWith(OverlayAttributePrefix, StringComparison.Ordinal)) is { } found
            ? new ExtendedAttributes(found)
            : null;
        if (status.IsRegularFile)
        {
            _fileAttributes[relative] = (status.ModeBits, xattrs);
            if (!inodes.TryGetValue((status.Device, status.Inode), out List<string>? paths))
            {
                inodes.Add((status.Device, status.Inode), paths = []);
            }

            paths.Add(relative);
            return;
        }

        string? target = status.IsSymlink
            ? directory.ReadLink(entry) ?? throw SnapshotterException.NotFound($"'{path}' changed while the commit read it")
            : null;
        _entries.Add(SourceTree.EntryOf(relative, status, xattrs, target));
    }

    /// <summary>
    /// Every entry the committed snapshot records, by path: <paramref name="records"/> (the stored files, with the
    /// parent's entries this layer keeps) completed with what the store does not record of a file, the layer's hardlinks
    /// (sharing their file's digest) and its other entries. A hardlink group of the parent whose file this layer replaced
    /// or removed is rooted again at its first path kept.
    /// </summary>
    public IReadOnlyList<FileRecord> Complete(IReadOnlyList<FileRecord> records)
    {
        var complete = new List<FileRecord>(records.Count + _entries.Count);
        var rooted = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (FileRecord record in records)
        {
            if (_fileAttributes.TryGetValue(record.RelativePath, out var attributes) && record.Type == EntryType.Regular)
            {
                FileRecord file = record with { Mode = attributes.ModeBits, Xattrs = attributes.Xattrs };
                complete.Add(file);
                foreach (string link in _hardlinks.GetValueOrDefault(record.RelativePath) ?? [])
                {
                    var linkAttributes = _fileAttributes[link];
                    complete.Add(file with { RelativePath = link, Type = EntryType.Hardlink, LinkTarget = record.RelativePath, Mode = linkAttributes.ModeBits, Xattrs = linkAttributes.Xattrs });
                }
            }
            else if (record is { Type: EntryType.Hardlink, LinkTarget: { } target } && !Keeps(target))
            {
                // The parent's file of this group is gone from this layer: its first path kept (by name) holds the content.
                if (rooted.TryGetValue(target, out string? root))
                {
                    complete.Add(record with { LinkTarget = root });
                }
                else
                {
                    rooted.Add(target, record.RelativePath);
                    complete.Add(record with { Type = EntryType.Regular, LinkTarget = null });
                }
            }
            else
            {
                complete.Add(record);
            }
        }

        complete.AddRange(_entries);
        complete.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return complete;
    }

    /// <summary>overlayfs' whiteout: a character device 0/0 standing for an entry of a lower layer removed.</summary>
    private static bool IsWhiteout(in FileStatus status) => status is { IsCharacterDevice: true, NodeMajor: 0, NodeMinor: 0 };

    /// <summary>
    /// Whether a snapshot can record an entry of this name: one the library reserves for its own files stays in the
    /// layer (mounts show it) but not in the snapshot the commit records, rather than fail a commit of a tree
    /// containerd wrote. Names that are not UTF-8 are recorded as every snapshot records them (format.md).
    /// </summary>
    private static bool IsRecordable(UnixDirectory.Entry entry) =>
        !entry.Text.StartsWith(RelativePath.ReservedPrefix, StringComparison.Ordinal);

    private static unsafe bool IsOpaque(string path)
    {
        byte value;
        nint length;
        fixed (byte* p = PathEncoding.GetNullTerminatedBytes(path))
        fixed (byte* name = PathEncoding.GetNullTerminatedBytes(OpaqueAttribute))
        {
            length = Libc.LGetXattr(p, name, &value, 1);
        }

        if (length >= 0)
        {
            return length == 1 && value == (byte)'y';
        }

        // ERANGE: a value longer than "y", so not opaque.
        int errno = Errno.Last;
        return errno is Errno.ENODATA or Errno.EOPNOTSUPP or Errno.ERANGE ? false : throw Errno.Exception(errno, $"read {OpaqueAttribute} of", path);
    }
}
