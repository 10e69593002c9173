using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>fallocate(2) with mode 0: allocates the blocks of [offset, offset + length), extending the file. Returns 0,
    /// or -1 and errno (EOPNOTSUPP where the filesystem cannot).</summary>
    [LibraryImport(Library, EntryPoint = "fallocate64", SetLastError = true)]
    public static partial int FAllocate(int fd, int mode, long offset, long length);
}
