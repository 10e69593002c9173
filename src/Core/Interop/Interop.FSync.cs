using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>fsync(2), again after EINTR. Returns 0, or -1 and errno.</summary>
    public static int FSync(int fd) =>
        Retrying(() => FSyncOnce(fd));

    /// <summary>fdatasync(2), again after EINTR: data and the metadata needed to read it back (size), not times.
    /// Returns 0, or -1 and errno.</summary>
    public static int FDataSync(int fd) =>
        Retrying(() => FDataSyncOnce(fd));

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSyncOnce(int fd);

    [LibraryImport(Library, EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSyncOnce(int fd);
}
