using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>fsync(2). Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    /// <summary>fdatasync(2): data and the metadata needed to read it back (size), not times. Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int FDataSync(int fd);
}
