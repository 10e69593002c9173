using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>copy_file_range(2): copies inside the kernel, sharing extents where the filesystem can.
    /// Returns bytes copied (0 at end of input), or -1 and errno (EXDEV, EINVAL, EOPNOTSUPP where unsupported).</summary>
    [LibraryImport(Library, EntryPoint = "copy_file_range", SetLastError = true)]
    public static unsafe partial nint CopyFileRange(int fdIn, long* offsetIn, int fdOut, long* offsetOut, nint length, uint flags);
}
