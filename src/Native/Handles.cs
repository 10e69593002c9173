using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Native;

/// <summary>Managed objects behind opaque C pointers, as GCHandle addresses.</summary>
internal static class Handles
{
    public static IntPtr Create(object target) => GCHandle.ToIntPtr(GCHandle.Alloc(target));

    public static SnapshotEngine Engine(IntPtr handle) =>
        handle == IntPtr.Zero
            ? throw SnapshotterException.InvalidArgument("snapshotter handle is NULL")
            : GCHandle.FromIntPtr(handle).Target as SnapshotEngine
                ?? throw SnapshotterException.InvalidArgument("snapshotter handle does not point to a snapshotter");

    public static CancellationTokenSource? Cancel(IntPtr handle) =>
        handle == IntPtr.Zero
            ? null
            : GCHandle.FromIntPtr(handle).Target as CancellationTokenSource
                ?? throw SnapshotterException.InvalidArgument("cancel does not point to a snapshotter_cancel");

    /// <summary>Releases the handle and returns what it held.</summary>
    public static object? Free(IntPtr handle)
    {
        GCHandle gcHandle = GCHandle.FromIntPtr(handle);
        object? target = gcHandle.Target;
        gcHandle.Free();
        return target;
    }
}
