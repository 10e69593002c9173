using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>read(2) at the descriptor's position (pipes and sockets have no other). Returns the bytes read, 0 at
    /// the end, or -1 and errno (EINTR, EAGAIN on a non-blocking descriptor).</summary>
    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nint count);
}
