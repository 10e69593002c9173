using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>fsetxattr(2) on an open file: <c>name</c> (NUL-terminated) set to <c>size</c> bytes of <c>value</c>,
    /// created or replaced (flags 0). Returns 0, or -1 and errno (EOPNOTSUPP where the filesystem has no xattrs, EPERM for
    /// a namespace the caller may not write).</summary>
    [LibraryImport(Library, EntryPoint = "fsetxattr", SetLastError = true)]
    public static partial int FSetXattr(int fd, byte* name, byte* value, nuint size, int flags);

    /// <summary>lsetxattr(2): as <see cref="FSetXattr"/> on a path whose last component is not followed (a symlink gets
    /// the attribute itself; Linux refuses user.* ones there with EPERM).</summary>
    [LibraryImport(Library, EntryPoint = "lsetxattr", SetLastError = true)]
    public static partial int LSetXattr(byte* path, byte* name, byte* value, nuint size, int flags);
}
