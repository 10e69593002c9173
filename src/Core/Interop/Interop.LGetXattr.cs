using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>lgetxattr(2): the value of attribute <paramref name="name"/> of <paramref name="path"/> (a symlink
    /// itself, not followed) into <paramref name="value"/>. Returns its length, or -1 and errno (ENODATA: no such
    /// attribute; ERANGE: <paramref name="size"/> too small).</summary>
    [LibraryImport(Library, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint LGetXattr(string path, string name, byte* value, nuint size);
}
