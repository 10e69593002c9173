using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    // Flag values of Linux on x86-64 and AArch64 where they agree; the two that differ are chosen at run time.
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_CLOEXEC = 0x80000;

    public static readonly int O_DIRECTORY = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <summary>An unnamed file in the directory opened (__O_TMPFILE | O_DIRECTORY).</summary>
    public static readonly int O_TMPFILE = 0x400000 | O_DIRECTORY;

    public static readonly int O_NOFOLLOW = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    /// <summary>open(2) of a NUL-terminated path (its bytes, UTF-8 or not). Returns a new descriptor, or -1 and
    /// errno. <c>mode</c> is used with O_CREAT only.</summary>
    [LibraryImport(Library, EntryPoint = "open", SetLastError = true)]
    public static unsafe partial int Open(byte* path, int flags, uint mode);
}
