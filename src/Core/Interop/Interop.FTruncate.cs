using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>ftruncate(2). Returns 0, or -1 and errno. Growing a file this way leaves a hole.</summary>
    [LibraryImport(Library, EntryPoint = "ftruncate64", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);
}
