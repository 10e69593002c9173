using System.Text;
using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// OUTPUT_DIR/.snapshotter-incomplete-restore: durable before a restore writes anything into the output dir,
/// removed once it has finished, so a tree that a killed, crashed or failed restore left never looks whole.
/// Each restore at work holds a shared flock on it; whoever finishes while holding the only lock removes it,
/// so concurrent restores into one dir keep it until the last of them is done. It lists the snapshots whose
/// restores entered it. A failed restore that had not yet placed anything removes the marker it created.
/// </summary>
internal sealed class RestoreMarker : IDisposable
{
    public const string FileName = RelativePath.ReservedPrefix + "incomplete-restore";
    private const uint MarkerMode = 0x1A4; // 0644

    private readonly UnixFile _file;
    private readonly bool _created;

    private RestoreMarker(UnixFile file, bool created)
    {
        _file = file;
        _created = created;
    }

    /// <summary>Whether a marker was there already: a restore into this dir is running or did not finish.</summary>
    public bool WasPresent => !_created;

    public static string PathIn(string outputDir) => Path.Join(outputDir, FileName);

    /// <summary>Takes part in the marker, creating it (durably) when absent; <paramref name="snapshot"/> is recorded in it.</summary>
    public static RestoreMarker Enter(string outputDir, string snapshot)
    {
        string path = PathIn(outputDir);
        while (true)
        {
            bool created = true;
            int fd = UnixFile.OpenDescriptor(path, Libc.O_RDWR | Libc.O_APPEND | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, MarkerMode);
            if (fd < 0 && Errno.Last == Errno.EEXIST)
            {
                created = false;
                fd = UnixFile.OpenDescriptor(path, Libc.O_RDWR | Libc.O_APPEND | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                if (fd < 0 && Errno.Last == Errno.ENOENT)
                {
                    continue;
                }
            }

            if (fd < 0)
            {
                throw Errno.LastException("create", path);
            }

            var file = UnixFile.Adopt(fd, path);
            try
            {
                if (Libc.Flock(file.Fd, Libc.LOCK_SH) != 0)
                {
                    throw Errno.LastException("lock", path);
                }

                // A finishing restore may have removed the marker between open and lock: then take part in a new one.
                if (UnixPath.TryStat(path, followSymlinks: false) is not { } current || !current.IsSameInode(file.Stat()))
                {
                    file.Dispose();
                    continue;
                }

                file.Write(0, Encoding.UTF8.GetBytes(snapshot + "\n"));
                if (created)
                {
                    file.Sync();
                    UnixPath.SyncDirectory(outputDir);
                }

                return new RestoreMarker(file, created);
            }
            catch
            {
                // A marker this restore created but could not make durable (ENOSPC, EIO) says nothing true: it goes,
                // unless another restore has taken part in it meanwhile.
                if (created)
                {
                    RemoveIfAlone(file, UnixPath.TryDeleteFile);
                }

                file.Dispose();
                throw;
            }
        }
    }

    /// <summary>The restore finished: the marker goes unless another restore into the dir is still at work.</summary>
    public void Complete() => RemoveIfAlone(_file, UnixPath.DeleteFile);

    /// <summary>The restore failed before it placed anything: a marker it created itself says nothing true, so it goes
    /// (unless another restore is at work); one found there stays.</summary>
    public void Abandon()
    {
        if (_created)
        {
            RemoveIfAlone(_file, UnixPath.DeleteFile);
        }
    }

    /// <summary>Removes the marker unless another restore holds it. Only a holder of the exclusive lock removes one, so
    /// once it is held the name still refers to this marker unless it was removed before this restore locked it (then
    /// the name is free or another restore's new marker, which stays).</summary>
    private static void RemoveIfAlone(UnixFile file, Action<string> delete)
    {
        if (Libc.Flock(file.Fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0
            && UnixPath.TryStat(file.Path, followSymlinks: false) is { } current && current.IsSameInode(file.Stat()))
        {
            delete(file.Path);
        }
    }

    /// <summary>Releases the lock; a marker not removed stays, saying the restore did not finish.</summary>
    public void Dispose() => _file.Dispose();
}
