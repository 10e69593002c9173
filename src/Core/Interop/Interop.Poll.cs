using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>poll(2). Returns the number of ready descriptors, 0 on timeout, or -1 and errno (EINTR).</summary>
    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, ulong count, int timeoutMs);
}
