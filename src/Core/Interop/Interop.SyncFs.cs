using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>syncfs(2): writes back and waits for all dirty data and metadata of the filesystem holding fd.
    /// Returns 0, or -1 and errno (write-back errors since Linux 5.8).</summary>
    [LibraryImport(Library, EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);
}
