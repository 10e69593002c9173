using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>linkat(2) of raw names relative to directory descriptors, again after EINTR; without AT_SYMLINK_FOLLOW a
    /// symlink at the old name is linked itself. Returns 0, or -1 and errno (EEXIST, EXDEV, EMLINK).</summary>
    public static int LinkAt(int oldDirFd, byte* oldName, int newDirFd, byte* newName, int flags)
    {
        nint oldP = (nint)oldName;
        nint newP = (nint)newName;
        return Retrying(() => LinkAtRaw(oldDirFd, (byte*)oldP, newDirFd, (byte*)newP, flags));
    }

    [LibraryImport(Library, EntryPoint = "linkat", SetLastError = true)]
    private static partial int LinkAtRaw(int oldDirFd, byte* oldName, int newDirFd, byte* newName, int flags);
}
