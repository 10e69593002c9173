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

        /// <summary>The time <paramref name="unixNs"/> nanoseconds after the epoch (before it when negative).</summary>
        public static TimeSpec FromUnixNs(long unixNs)
        {
            long seconds = Math.DivRem(unixNs, 1_000_000_000L, out long ns);
            return ns < 0 ? new TimeSpec { Seconds = seconds - 1, Nanoseconds = ns + 1_000_000_000L } : new TimeSpec { Seconds = seconds, Nanoseconds = ns };
        }
    }

    /// <summary>futimens(3): times[0] is the access time, times[1] the modification time. Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "futimens", SetLastError = true)]
    public static unsafe partial int FutImens(int fd, TimeSpec* times);
}
