using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>pread(2). Returns bytes read (0 at end of file), or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "pread64", SetLastError = true)]
    public static unsafe partial nint PRead(int fd, byte* buffer, nint count, long offset);
}
