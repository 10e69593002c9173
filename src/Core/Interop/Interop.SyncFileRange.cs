using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    public const uint SYNC_FILE_RANGE_WAIT_BEFORE = 1;
    public const uint SYNC_FILE_RANGE_WRITE = 2;
    public const uint SYNC_FILE_RANGE_WAIT_AFTER = 4;

    /// <summary>sync_file_range(2): writes back the dirty pages of a range (length 0: to the end of the file) and,
    /// with both WAIT flags, waits for them; no metadata, no cache flush. Works on a descriptor opened read-only.
    /// Returns 0, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(int fd, long offset, long length, uint flags);
}
