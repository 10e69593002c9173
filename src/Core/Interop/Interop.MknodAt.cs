using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    public const uint S_IFIFO = 0x1000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;

    /// <summary>mknodat(2) of a raw name in <c>dirfd</c>: a FIFO, or a character or block device <c>device</c>
    /// (<see cref="MakeDevice"/>). Returns 0, or -1 and errno (EPERM for a device made without CAP_MKNOD).</summary>
    [LibraryImport(Library, EntryPoint = "mknodat", SetLastError = true)]
    public static partial int MknodAt(int dirfd, byte* name, uint mode, ulong device);

    /// <summary>glibc's makedev: the dev_t of a major and minor number.</summary>
    public static ulong MakeDevice(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);
}
