using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// Space held back so that the store can free space on a full filesystem. Deleting needs a little room first: SQLite
/// opens its shared-memory file and appends the deletion to its write-ahead log before any content file may go (the
/// metadata is changed before the content it stops referencing, so that a crash never leaves a snapshot whose content
/// is gone). metadata/space.reserve holds <see cref="ReserveBytes"/> of allocated blocks; when the filesystem has less
/// than that free, opening a store, deleting and collecting release it, and the room it leaves is what their
/// metadata writes use. It is allocated again once a collection or deletion has left the filesystem enough room.
/// </summary>
internal static class SpaceReserve
{
    public const string FileName = "space.reserve";

    /// <summary>Room for SQLite's shared-memory file (32 KiB) and the log pages of deleting snapshots of some thousands
    /// of files (a page per ~25 file rows, index pages beside them).</summary>
    public const long ReserveBytes = 1 << 20;

    /// <summary>Allocated (again) when this much is free, leaving as much beside it: the reserve comes before other
    /// writes once a deletion has freed enough, because it is what makes the next deletion on a full disk possible.</summary>
    private const long FreeBytesToReserve = 2 * ReserveBytes;

    private const uint FileMode = 0x180; // 0600

    /// <summary>Deletes the reserve when the filesystem has less than <see cref="ReserveBytes"/> free. Returns whether it did.</summary>
    public static bool ReleaseIfLow(string metadataDir)
    {
        string path = Path.Join(metadataDir, FileName);
        if (UnixPath.SpaceOf(metadataDir).AvailableBytes >= ReserveBytes || UnixPath.TryStat(path, followSymlinks: false) is null)
        {
            return false;
        }

        UnixPath.TryDeleteFile(path);
        return true;
    }

    /// <summary>Allocates the reserve when it is missing or short and the filesystem has room; a filesystem without room
    /// or without fallocate is left as it is (best effort: the reserve makes freeing space possible, it is never needed
    /// to keep data safe).</summary>
    public static void Ensure(string metadataDir)
    {
        string path = Path.Join(metadataDir, FileName);
        if (UnixPath.TryStat(path, followSymlinks: false) is { AllocatedBytes: >= ReserveBytes }
            || UnixPath.SpaceOf(metadataDir).AvailableBytes < FreeBytesToReserve)
        {
            return;
        }

        using var file = UnixFile.OpenOrCreate(path, FileMode);
        if (Libc.FAllocate(file.Fd, 0, 0, ReserveBytes) != 0 && Errno.Last is not (Errno.ENOSPC or Errno.EDQUOT or Errno.EOPNOTSUPP))
        {
            throw Errno.LastException("allocate", path);
        }
    }

    /// <summary>After a deletion or collection: gives back the space the write-ahead log grew into, then allocates the
    /// reserve again if it was released and the filesystem now has room.</summary>
    public static void Restore(MetadataStore metadata, string metadataDir)
    {
        if (UnixPath.TryStat(Path.Join(metadataDir, FileName), followSymlinks: false) is { AllocatedBytes: >= ReserveBytes })
        {
            return;
        }

        metadata.TruncateLog();
        Ensure(metadataDir);
    }
}
