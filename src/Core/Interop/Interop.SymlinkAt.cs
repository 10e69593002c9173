using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>symlinkat(2): a symlink holding <c>target</c> (raw bytes, never resolved) at a raw name in <c>dirfd</c>.
    /// Returns 0, or -1 and errno (EEXIST when something is at the name).</summary>
    [LibraryImport(Library, EntryPoint = "symlinkat", SetLastError = true)]
    public static partial int SymlinkAt(byte* target, int dirfd, byte* name);
}
