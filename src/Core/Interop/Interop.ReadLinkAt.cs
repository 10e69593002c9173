using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>readlinkat(2): the target of the symlink <c>name</c> (NUL-terminated, relative to <c>dirfd</c>), not
    /// NUL-terminated, into <c>buffer</c>. Returns its length (equal to <c>size</c> when it may have been cut), or -1 and
    /// errno (EINVAL: not a symlink).</summary>
    [LibraryImport(Library, EntryPoint = "readlinkat", SetLastError = true)]
    public static partial nint ReadLinkAt(int dirfd, byte* name, byte* buffer, nuint size);
}
