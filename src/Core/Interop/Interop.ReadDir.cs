using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>Offset of d_name in glibc's struct dirent64 (d_ino u64, d_off i64, d_reclen u16, d_type u8): the
    /// same on every 64-bit Linux architecture.</summary>
    public const int DirentNameOffset = 19;

    /// <summary>Offset of d_type in the same struct.</summary>
    public const int DirentTypeOffset = 18;

    /// <summary>fdopendir(3): a directory stream over <c>fd</c>, which it then owns (closedir closes it). Returns
    /// NULL and errno on failure, leaving <c>fd</c> open.</summary>
    [LibraryImport(Library, EntryPoint = "fdopendir", SetLastError = true)]
    public static partial IntPtr FdOpenDir(int fd);

    /// <summary>readdir64(3): the next entry (valid until the next call), or NULL at the end (errno unchanged) or on
    /// error (errno set): callers clear errno first.</summary>
    [LibraryImport(Library, EntryPoint = "readdir64", SetLastError = true)]
    public static partial IntPtr ReadDir(IntPtr dir);

    /// <summary>closedir(3): closes the stream and its descriptor. Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "closedir", SetLastError = true)]
    public static partial int CloseDir(IntPtr dir);

    /// <summary>dirfd(3): the descriptor of a directory stream, for *at calls relative to it.</summary>
    [LibraryImport(Library, EntryPoint = "dirfd", SetLastError = true)]
    public static partial int DirFd(IntPtr dir);
}
