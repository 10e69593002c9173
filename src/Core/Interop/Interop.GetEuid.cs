using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
    /// <summary>geteuid(2). Never fails.</summary>
    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEuid();
}
