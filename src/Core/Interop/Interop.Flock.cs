using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    /// <summary>flock(2), again after EINTR. Returns 0, or -1 and errno (EWOULDBLOCK = EAGAIN with LOCK_NB when another
    /// open file description holds a conflicting lock, in this process or another).</summary>
    public static int Flock(int fd, int operation) =>
        Retrying(() => FlockOnce(fd, operation));

    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockOnce(int fd, int operation);
}
