using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
namespace Snapshotter.Native;
public static unsafe class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "probe")]
    public static int ProbeExport() { return Snapshotter.Probe.SqliteVersion().Length; }
}
