using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;
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
    private const string OpaqueAttribute = "trusted.overlay.opaque";

    private readonly HashSet<string> _replaced = new(StringComparer.Ordinal);
    private readonly HashSet<string> _hidingBelow = new(StringComparer.Ordinal);

    private LayerChanges()
    {
    }

    /// <summary>The regular files of the directory, by relative path: what the commit stores.</summary>
    public List<string> Files { get; } = [];

    public static LayerChanges Read(string tree, CancellationToken cancellation)
    {
        var changes = new LayerChanges();
        using UnixDirectory root = UnixDirectory.Open(tree);
        changes.Read(root, tree, "", recordable: true, cancellation);
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
    private void Read(UnixDirectory directory, string directoryPath, string relativeDir, bool recordable, CancellationToken cancellation)
    {
        foreach (UnixDirectory.Entry entry in directory.ReadEntries())
        {
            cancellation.ThrowIfCancellationRequested();
            if (directory.Stat(entry) is not { } status)
            {
                continue;
            }

            string relative = relativeDir.Length == 0 ? entry.Display : $"{relativeDir}/{entry.Display}";
            string path = Path.Join(directoryPath, entry.Display);
            _replaced.Add(relative);
            if (!status.IsDirectory)
            {
                _hidingBelow.Add(relative);
                if (status.IsRegularFile && recordable && IsRecordable(entry))
                {
                    Files.Add(relative);
                }

                continue;
            }

            // A name that is not UTF-8 has no path to ask (Display is lossy), and nothing the parent recorded is below it.
            if (entry.Name is not null && IsOpaque(path))
            {
                _hidingBelow.Add(relative);
            }

            if (directory.OpenChild(entry) is { } child)
            {
                using (child)
                {
                    Read(child, path, relative, recordable && IsRecordable(entry), cancellation);
                }
            }
        }
    }

    /// <summary>
    /// Whether a snapshot can record a file of this name: a name that is not UTF-8, or one the library reserves for its
    /// own files, stays in the layer (mounts show it) but not in the snapshot the commit records, rather than fail a
    /// commit of a tree containerd wrote.
    /// </summary>
    private static bool IsRecordable(UnixDirectory.Entry entry) =>
        entry.Name is { } name && !name.StartsWith(RelativePath.ReservedPrefix, StringComparison.Ordinal);

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
