using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>lremovexattr(2): removes one extended attribute of a path, its last component not followed. Returns 0, or
    /// -1 and errno (ENODATA when it is absent).</summary>
    [LibraryImport(Library, EntryPoint = "lremovexattr", SetLastError = true)]
    public static partial int LRemoveXattr(byte* path, byte* name);
}
