using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    public const uint RENAME_NOREPLACE = 0x1;

    /// <summary>renameat2(2) of raw names relative to directory descriptors, again after EINTR; symlinks at either name are
    /// moved or replaced, never followed. Returns 0, or -1 and errno (EEXIST with RENAME_NOREPLACE, EISDIR or ENOTEMPTY
    /// when a directory is in the way).</summary>
    public static int RenameAt2(int oldDirFd, byte* oldName, int newDirFd, byte* newName, uint flags)
    {
        nint oldP = (nint)oldName;
        nint newP = (nint)newName;
        return Retrying(() => RenameAt2Raw(oldDirFd, (byte*)oldP, newDirFd, (byte*)newP, flags));
    }

    [LibraryImport(Library, EntryPoint = "renameat2", SetLastError = true)]
    private static partial int RenameAt2Raw(int oldDirFd, byte* oldName, int newDirFd, byte* newName, uint flags);
}
