using System.Buffers;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Identity;
using Snapshotter.Interop;
using Snapshotter.Metadata;
using Snapshotter.Sparse;

namespace Snapshotter.Engine;

/// <summary>
/// How a file on disk compares with a snapshot's record of it: attributes from its status, content by digest.
/// Restore uses it to find what it need not write, diff to say what differs.
/// </summary>
internal sealed class TargetComparer
{
    private readonly EngineContext _context;

    public TargetComparer(EngineContext context)
    {
        _context = context;
        CompareOwner = Libc.GetEuid() == 0;
    }

    /// <summary>Owners count only where this process can restore them: as root.</summary>
    public bool CompareOwner { get; }

    /// <summary>Size (of an entry with content), mode (a symlink has none of its own), mtime and owner (as root).</summary>
    public DiffReasons AttributeDifferences(FileRecord file, in FileStatus status) =>
        (file.HasContent && status.Size != file.Size ? DiffReasons.Size | DiffReasons.Content : DiffReasons.None)
        | (!status.IsSymlink && status.ModeBits != file.Mode ? DiffReasons.Mode : DiffReasons.None)
        | (status.ModificationTimeNs != file.ModificationTimeNs ? DiffReasons.Mtime : DiffReasons.None)
        | (CompareOwner && (status.Uid != file.Uid || status.Gid != file.Gid) ? DiffReasons.Owner : DiffReasons.None);

    /// <summary>Whether what is on disk is of the entry's type (a hardlink is a regular file on disk).</summary>
    public static bool IsOfType(FileRecord file, in FileStatus status) => file.Type switch
    {
        EntryType.Regular or EntryType.Hardlink => status.IsRegularFile,
        EntryType.Directory => status.IsDirectory,
        EntryType.Symlink => status.IsSymlink,
        EntryType.Fifo => status.IsFifo,
        EntryType.CharacterDevice => status.IsCharacterDevice,
        EntryType.BlockDevice => status.IsBlockDevice,
        _ => false,
    };

    /// <summary>The extended attributes restore compares and replaces on the entry: those a snapshot of a directory
    /// records, and any other its record holds (a committed layer's or an imported archive's). The host's others on disk
    /// (security.selinux, trusted.*) belong to its policy: restore neither compares nor removes them.</summary>
    public static Predicate<string> ManagedXattrs(FileRecord file) =>
        name => ExtendedAttributes.IsCaptured(name, asRoot: true) || file.Xattrs?.Contains(name) == true;

    /// <summary>Whether the entry's recorded xattrs differ from those at the name (none recorded and none there is
    /// the same).</summary>
    public static bool XattrsDiffer(FileRecord file, TreeDirectory parent, string name)
    {
        Dictionary<string, byte[]> present = parent.ReadXattrs(name, ManagedXattrs(file)) ?? [];
        IReadOnlyList<KeyValuePair<string, byte[]>> recorded = file.Xattrs?.Entries ?? [];
        return present.Count != recorded.Count
            || recorded.Any(r => !present.TryGetValue(r.Key, out byte[]? value) || !value.AsSpan().SequenceEqual(r.Value));
    }

    /// <summary>The stored read-only inode, when it is a regular file carrying exactly the recorded attributes.</summary>
    public FileStatus? StoredInodeMatches(FileRecord file) =>
        UnixPath.TryStat(_context.Store.SnapshotPath(file.ContentDigest), followSymlinks: false) is { IsRegularFile: true } stored
        && AttributeDifferences(file, stored) == DiffReasons.None
            ? stored
            : null;

    /// <summary>
    /// Whether the regular file <paramref name="status"/> describes holds the recorded content: the stored inode itself
    /// when it still carries the recorded attributes, or else a file whose SPF1 encoding hashes to the digest (one read,
    /// of the file <paramref name="open"/> opens, which must still be that inode).
    /// </summary>
    public bool ContentMatches(FileRecord file, in FileStatus status, Func<UnixFile> open, CancellationToken cancellation)
    {
        if (status.Size != file.Size)
        {
            return false;
        }

        if (StoredInodeMatches(file) is { } stored && stored.IsSameInode(status))
        {
            return true;
        }

        using UnixFile existing = open();
        return HashesTo(file, status, existing, cancellation);
    }

    /// <summary>
    /// Whether <paramref name="existing"/>, still the inode <paramref name="status"/> describes, holds the recorded
    /// content: its size and the digest of its SPF1 encoding (one read). With <paramref name="identities"/>, what it
    /// hashed to is remembered by its identity, with <paramref name="withoutXattrsSinceNs"/> (see <see cref="IdentityCache.Learn"/>).
    /// </summary>
    public bool HashesTo(FileRecord file, in FileStatus status, UnixFile existing, CancellationToken cancellation, IdentityCache? identities = null, long? withoutXattrsSinceNs = null)
    {
        long readStartNs = identities?.NowNs ?? 0;
        FileStatus before = existing.Stat();
        if (!before.IsSameInode(status))
        {
            return false;
        }

        bool learnable = identities?.PrepareToLearn(existing, before, readStartNs) == true;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        Digest digest;
        try
        {
            digest = Spf1Encoder.DigestOf(existing, before.Size, buffer, cancellation);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        identities?.Learn(learnable, before, existing.Stat(), digest, readStartNs, withoutXattrsSinceNs);
        return digest == file.Digest && before.Size == file.Size;
    }
}
