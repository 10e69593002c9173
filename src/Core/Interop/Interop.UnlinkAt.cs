using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const int AT_REMOVEDIR = 0x200;

    /// <summary>unlinkat(2) of a raw NUL-terminated name in <c>dirfd</c>; never follows a symlink (it removes the link).
    /// With AT_REMOVEDIR it removes an empty directory. Returns 0, or -1 and errno (ENOTEMPTY for a directory
    /// that is not empty).</summary>
    [LibraryImport(Library, EntryPoint = "unlinkat", SetLastError = true)]
    public static unsafe partial int UnlinkAt(int dirfd, byte* name, int flags);
}
