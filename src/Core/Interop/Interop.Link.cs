using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>linkat(2), again after EINTR. Returns 0, or -1 and errno (EEXIST, EXDEV across filesystems, EMLINK at
    /// the link limit).</summary>
    public static int LinkAt(int oldDirFd, string oldPath, int newDirFd, string newPath, int flags) =>
        Retrying(() => LinkAtOnce(oldDirFd, oldPath, newDirFd, newPath, flags));

    [LibraryImport(Library, EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkAtOnce(int oldDirFd, string oldPath, int newDirFd, string newPath, int flags);
}
