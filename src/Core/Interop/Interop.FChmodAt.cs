using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>fchmodat(2) of a raw name in <c>dirfd</c>. With AT_SYMLINK_NOFOLLOW (glibc 2.32 and later) a symlink at the
    /// name is never followed: it answers EOPNOTSUPP, since Linux links have no mode of their own. Returns 0, or -1 and
    /// errno.</summary>
    [LibraryImport(Library, EntryPoint = "fchmodat", SetLastError = true)]
    public static partial int FChmodAt(int dirfd, byte* name, uint mode, int flags);
}
