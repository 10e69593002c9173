using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>realpath(3) with a NULL buffer. Returns a malloc'd absolute path with every symlink resolved
    /// (release it with <see cref="Free"/>), or NULL and errno.</summary>
    [LibraryImport(Library, EntryPoint = "realpath", SetLastError = true)]
    public static unsafe partial byte* RealPath(byte* path, byte* resolved);

    /// <summary>free(3) for memory the C library allocated.</summary>
    [LibraryImport(Library, EntryPoint = "free")]
    public static unsafe partial void Free(void* pointer);
}
