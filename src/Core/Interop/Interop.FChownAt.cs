using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>fchownat(2) of a raw name in <c>dirfd</c>; with AT_SYMLINK_NOFOLLOW a symlink itself gets the owner. Returns
    /// 0, or -1 and errno (EPERM for an unprivileged caller giving a file away).</summary>
    [LibraryImport(Library, EntryPoint = "fchownat", SetLastError = true)]
    public static partial int FChownAt(int dirfd, byte* name, uint uid, uint gid, int flags);
}
