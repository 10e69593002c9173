using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static unsafe partial class Libc
{
    /// <summary>getrandom(2) from the kernel's pool (flags 0: blocks only until the pool is first seeded).
    /// Returns the bytes written, or -1 and errno.</summary>
    [LibraryImport(Library, EntryPoint = "getrandom", SetLastError = true)]
    public static partial nint GetRandom(byte* buffer, nuint length, uint flags);
}
