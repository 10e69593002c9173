using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const uint RENAME_NOREPLACE = 0x1;

    /// <summary>renameat2(2). Returns 0, or -1 and errno (EEXIST with RENAME_NOREPLACE when the target exists;
    /// EINVAL or ENOSYS where the filesystem or kernel lacks the flag).</summary>
    [LibraryImport(Library, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    /// <summary>rename(2): atomically replaces the target. Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Rename(string oldPath, string newPath);
}
