using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>fchown(2). Returns 0, or -1 and errno (EPERM for an unprivileged caller giving a file away).</summary>
    [LibraryImport(Library, EntryPoint = "fchown", SetLastError = true)]
    public static partial int FChown(int fd, uint uid, uint gid);
}
