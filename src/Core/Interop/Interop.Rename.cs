using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const uint RENAME_NOREPLACE = 0x1;

    /// <summary>renameat2(2), again after EINTR. Returns 0, or -1 and errno (EEXIST with RENAME_NOREPLACE when the
    /// target exists; EINVAL or ENOSYS where the filesystem or kernel lacks the flag).</summary>
    public static int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags) =>
        Retrying(() => RenameAt2Once(oldDirFd, oldPath, newDirFd, newPath, flags));

    /// <summary>rename(2), again after EINTR: atomically replaces the target. Returns 0, or -1 and errno.</summary>
    public static int Rename(string oldPath, string newPath) =>
        Retrying(() => RenameOnce(oldPath, newPath));

    [LibraryImport(Library, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2Once(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    [LibraryImport(Library, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameOnce(string oldPath, string newPath);
}
