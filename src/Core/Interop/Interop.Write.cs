using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>write(2) at the descriptor's position. Returns the bytes written (possibly fewer than asked), or -1
    /// and errno (EINTR, EAGAIN on a non-blocking descriptor, EPIPE when the reader has gone: SIGPIPE is ignored
    /// in processes running the .NET runtime).</summary>
    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nint count);
}
