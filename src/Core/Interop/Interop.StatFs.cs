using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>struct statfs of Linux on 64-bit architectures: every field is 8 bytes wide except f_fsid (two ints).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 120)]
    public struct StatFsBuffer
    {
        [FieldOffset(0)] public long Type;
        [FieldOffset(8)] public long BlockSize;
        [FieldOffset(16)] public ulong Blocks;
        [FieldOffset(24)] public ulong FreeBlocks;
        [FieldOffset(32)] public ulong AvailableBlocks;
        [FieldOffset(72)] public long FragmentSize;
    }

    /// <summary>statfs(2): the filesystem holding <c>path</c>. Returns 0, or -1 and errno. Block counts are in units
    /// of f_frsize (f_bsize where the filesystem leaves f_frsize 0).</summary>
    [LibraryImport(Library, EntryPoint = "statfs", SetLastError = true)]
    public static unsafe partial int StatFs(byte* path, StatFsBuffer* buffer);
}
