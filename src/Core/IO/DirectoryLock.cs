using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// An exclusive flock on a directory itself, shared by every process that takes it the same way; released on
/// Dispose or when the process dies. Guards read-modify-write cycles of files that are replaced by rename,
/// which a lock on the file itself could not.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    private readonly UnixFile _directory;

    private DirectoryLock(UnixFile directory) => _directory = directory;

    /// <summary>Waits until the lock is free.</summary>
    public static DirectoryLock Acquire(string path)
    {
        var directory = UnixFile.OpenDirectory(path);
        if (Libc.Flock(directory.Fd, Libc.LOCK_EX) != 0)
        {
            SnapshotterException failure = Errno.LastException("lock", path);
            directory.Dispose();
            throw failure;
        }

        return new DirectoryLock(directory);
    }

    public void Dispose() => _directory.Dispose();
}
