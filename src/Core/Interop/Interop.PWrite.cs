using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>pwrite(2). Returns bytes written (possibly fewer than asked), or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "pwrite64", SetLastError = true)]
    public static unsafe partial nint PWrite(int fd, byte* buffer, nint count, long offset);
}
