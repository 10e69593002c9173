using System.Runtime.InteropServices;

namespace Snapshotter.Interop;

internal static partial class Libc
{
}
