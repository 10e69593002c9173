using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// An exclusive flock(2) on a lock file, shared by every process that opens the same root directory: held
/// from acquisition to Dispose, released by the kernel when the process dies however it dies. Two
/// acquisitions conflict even within one process (each opens its own file description).
/// </summary>
internal sealed class FileLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly UnixFile _file;

    private FileLock(UnixFile file)
    {
        _file = file;
    }

    /// <summary>The lock, or null when another holder has it now.</summary>
    public static FileLock? TryAcquire(string path)
    {
        var file = UnixFile.OpenOrCreate(path, 0x180);
        if (Libc.Flock(file.Fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
        {
            return new FileLock(file);
        }

        int errno = Errno.Last;
        file.Dispose();
        return errno == Errno.EAGAIN ? null : throw Errno.Exception(errno, "lock", path);
    }

    /// <summary>Waits for the lock, polling so that <paramref name="cancellation"/> is honoured while waiting.</summary>
    public static FileLock Acquire(string path, CancellationToken cancellation)
    {
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (TryAcquire(path) is { } acquired)
            {
                return acquired;
            }

            cancellation.WaitHandle.WaitOne(PollInterval);
        }
    }

    public void Dispose() => _file.Dispose();
}
