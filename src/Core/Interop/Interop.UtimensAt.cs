using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>utimensat(2) of a raw name in <c>dirfd</c> (times as for <see cref="FutImens"/>); with AT_SYMLINK_NOFOLLOW a
    /// symlink itself gets the times. Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "utimensat", SetLastError = true)]
    public static partial int UtimensAt(int dirfd, byte* name, TimeSpec* times, int flags);
}
