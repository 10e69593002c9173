using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>syncfs(2), again after EINTR: writes back and waits for all dirty data and metadata of the filesystem
    /// holding fd. Returns 0, or -1 and errno (write-back errors since Linux 5.8).</summary>
    public static int SyncFs(int fd) =>
        Retrying(() => SyncFsOnce(fd));

    [LibraryImport(Library, EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFsOnce(int fd);
}
