using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const int SEEK_SET = 0;
    public const int SEEK_DATA = 3;
    public const int SEEK_HOLE = 4;

    /// <summary>lseek(2). Returns the new offset, or -1 and errno (ENXIO: no data or hole at or after the offset).</summary>
    [LibraryImport(Library, EntryPoint = "lseek64", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);
}
