using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>A descriptor that only names a place in the tree (no read or write): enough for the *at calls, and it
    /// opens directories the caller may not list.</summary>
    public const int O_PATH = 0x200000;

    /// <summary>No component may be a magic link such as /proc/self/fd/N.</summary>
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;

    /// <summary>No component may be a symlink (ELOOP), the last one included.</summary>
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;

    /// <summary>The path may not leave the directory it is resolved from: "..", an absolute path or a jump out is EXDEV.</summary>
    public const ulong RESOLVE_BENEATH = 0x08;

    /// <summary>openat2(2)'s syscall number, the same on x86-64 and AArch64 (glibc 2.36 has no wrapper).</summary>
    private const long SysOpenAt2 = 437;

    /// <summary>struct open_how.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>openat2(2) of a raw NUL-terminated name relative to <c>dirfd</c>. Returns a new descriptor, or -1 and errno
    /// (ELOOP for a symlink with RESOLVE_NO_SYMLINKS, EXDEV for an escape with RESOLVE_BENEATH, ENOSYS before Linux 5.6,
    /// EAGAIN when a concurrent rename made the kernel give up a lookup that must not race).</summary>
    public static int OpenAt2(int dirfd, byte* name, in OpenHow how)
    {
        fixed (OpenHow* h = &how)
        {
            return (int)Syscall(SysOpenAt2, dirfd, (nint)name, (nint)h, sizeof(OpenHow));
        }
    }

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(long number, nint a1, nint a2, nint a3, nint a4);
}
