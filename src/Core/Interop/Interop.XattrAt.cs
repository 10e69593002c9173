using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>listxattrat(2)'s and getxattrat(2)'s syscall numbers (Linux 6.13), the same on x86-64 and AArch64;
    /// glibc 2.36 has no wrappers.</summary>
    private const long SysGetXattrAt = 464;
    private const long SysListXattrAt = 465;

    /// <summary>struct xattr_args of getxattrat(2): where the value goes and how much room it has.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct XattrArgs
    {
        public ulong Value;
        public uint Size;
        public uint Flags;
    }

    /// <summary>listxattrat(2): as llistxattr(2) with <c>name</c> (NUL-terminated) relative to <c>dirfd</c>, so the kernel
    /// looks up one name instead of a whole path. -1 and errno ENOSYS before Linux 6.13.</summary>
    public static nint ListXattrAt(int dirfd, byte* name, int flags, byte* list, nuint size) =>
        Syscall(SysListXattrAt, dirfd, (nint)name, flags, (nint)list, (nint)size);

    /// <summary>getxattrat(2): as lgetxattr(2) with <c>name</c> relative to <c>dirfd</c> (with AT_SYMLINK_NOFOLLOW).
    /// -1 and errno ENOSYS before Linux 6.13.</summary>
    public static nint GetXattrAt(int dirfd, byte* name, int flags, byte* attribute, byte* value, nuint size)
    {
        var args = new XattrArgs { Value = (ulong)value, Size = (uint)size };
        return Syscall(SysGetXattrAt, dirfd, (nint)name, flags, (nint)attribute, (nint)(&args), sizeof(XattrArgs));
    }

    /// <summary>flistxattr(2): the attribute names of the open file <c>fd</c>, as llistxattr(2) gives them.</summary>
    [LibraryImport(Library, EntryPoint = "flistxattr", SetLastError = true)]
    public static partial nint FListXattr(int fd, byte* list, nuint size);

    /// <summary>fgetxattr(2): the value of attribute <c>name</c> of the open file <c>fd</c>.</summary>
    [LibraryImport(Library, EntryPoint = "fgetxattr", SetLastError = true)]
    public static partial nint FGetXattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5, nint a6);
}
