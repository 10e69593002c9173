using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>llistxattr(2): the names of the extended attributes of <c>path</c> (NUL-terminated; a symlink itself),
    /// each NUL-terminated, into <c>list</c>; with <c>size</c> 0 only their length. Returns that length, or -1 and errno
    /// (ERANGE: <c>size</c> too small; ENOTSUP: the filesystem has none).</summary>
    [LibraryImport(Library, EntryPoint = "llistxattr", SetLastError = true)]
    public static partial nint LListXattr(byte* path, byte* list, nuint size);

    /// <summary>lgetxattr(2): the value of attribute <c>name</c> of <c>path</c> (both NUL-terminated; a symlink itself,
    /// not followed) into <c>value</c>. Returns its length, or -1 and errno (ENODATA: no such attribute; ERANGE:
    /// <c>size</c> too small).</summary>
    [LibraryImport(Library, EntryPoint = "lgetxattr", SetLastError = true)]
    public static partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);
}
