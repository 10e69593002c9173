using System.Runtime.InteropServices;
using Snapshotter.Diagnostics;
using Snapshotter.Errors;

namespace Snapshotter.Native;

internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_log_set")]
    public static int LogSet(int level, delegate* unmanaged<int, byte*, void*, void> callback, void* payload, NativeError** err)
    {
        try
        {
            if (level is < (int)LogLevel.None or > (int)LogLevel.Debug)
            {
                throw SnapshotterException.InvalidArgument($"level {level} is not a snapshotter_log_level (0..{(int)LogLevel.Debug})");
            }

            LibraryLog.SetSink((LogLevel)level, callback == null ? null : new NativeLogSink(callback, payload).Write);
            return 0;
        }
        catch (InvalidOperationException e)
        {
            return NativeError.Report(err, SnapshotterException.InvalidArgument($"snapshotter_log_set: {e.Message}"));
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }
}
