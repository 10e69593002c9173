using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>UTIME_OMIT in tv_nsec leaves that time as it is.</summary>
    public const long UTIME_OMIT = (1L << 30) - 2;

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>futimens(3): times[0] is the access time, times[1] the modification time. Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "futimens", SetLastError = true)]
    public static unsafe partial int FutImens(int fd, TimeSpec* times);
}
