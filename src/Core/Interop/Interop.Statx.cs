using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>struct statx: one layout on every Linux architecture, which is why it is used instead of stat.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(96)] public long CtimeSeconds;
        [FieldOffset(104)] public uint CtimeNanoseconds;
        [FieldOffset(112)] public long MtimeSeconds;
        [FieldOffset(120)] public uint MtimeNanoseconds;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    /// <summary>statx(2) of a NUL-terminated path or name relative to <c>dirfd</c> (its bytes, UTF-8 or not). Returns 0, or
    /// -1 and errno. With AT_EMPTY_PATH and "" it describes <c>dirfd</c> itself.</summary>
    [LibraryImport(Library, EntryPoint = "statx", SetLastError = true)]
    public static unsafe partial int Statx(int dirfd, byte* name, int flags, uint mask, StatxBuffer* buffer);
}
