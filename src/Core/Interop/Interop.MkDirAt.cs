using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>mkdirat(2) of a raw NUL-terminated name in <c>dirfd</c>. Returns 0, or -1 and errno (EEXIST when anything,
    /// a symlink included, is at the name: it is never followed).</summary>
    [LibraryImport(Library, EntryPoint = "mkdirat", SetLastError = true)]
    public static partial int MkDirAt(int dirfd, byte* name, uint mode);
}
