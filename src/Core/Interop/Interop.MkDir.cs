using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>mkdir(2). Returns 0, or -1 and errno (EEXIST when anything exists at the path).</summary>
    [LibraryImport(Library, EntryPoint = "mkdir", SetLastError = true)]
    public static unsafe partial int MkDir(byte* path, uint mode);
}
