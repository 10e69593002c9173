using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>openat(2) with a raw NUL-terminated name relative to <c>dirfd</c>. Returns a new descriptor, or -1 and
    /// errno (ELOOP or ENOTDIR when O_NOFOLLOW or O_DIRECTORY refuse what is there).</summary>
    [LibraryImport(Library, EntryPoint = "openat", SetLastError = true)]
    public static unsafe partial int OpenAt(int dirfd, byte* name, int flags, uint mode);
}
