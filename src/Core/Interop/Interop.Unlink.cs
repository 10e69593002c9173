using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>unlink(2). Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "unlink", SetLastError = true)]
    public static unsafe partial int Unlink(byte* path);
}
