using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Native;

/// <summary>
/// Every object the library hands out, by address, with the type it was handed out as: managed objects behind
/// GCHandle addresses (snapshotter, snapshotter_cancel) and native blocks (errors, result objects). An export looks a
/// pointer up before it touches what it points to, so a freed, foreign or garbage pointer is INVALID_ARGUMENT (or
/// ignored, where the function has no error channel), never a dereference. Addresses are unique while their object
/// lives; one freed and handed out again to a new object of the same type is indistinguishable from that object.
/// </summary>
internal static unsafe class Handles
{
    private static readonly ConcurrentDictionary<nint, Type> Live = new();

    /// <summary>A GCHandle address for <paramref name="target"/>, registered as its runtime type.</summary>
    public static IntPtr Create(object target)
    {
        IntPtr handle = GCHandle.ToIntPtr(GCHandle.Alloc(target));
        Live[handle] = target.GetType();
        return handle;
    }

    /// <summary>Registers a native block as a <typeparamref name="T"/> and returns it.</summary>
    public static T* Register<T>(T* block)
        where T : unmanaged
    {
        Live[(nint)block] = typeof(T);
        return block;
    }

    /// <summary>Whether <paramref name="pointer"/> is a live object handed out as a <paramref name="type"/>.</summary>
    public static bool IsLive(void* pointer, Type type) => pointer != null && Live.TryGetValue((nint)pointer, out Type? live) && live == type;

    public static bool IsLive<T>(T* pointer)
        where T : unmanaged => IsLive(pointer, typeof(T));

    /// <summary>Unregisters a live <paramref name="type"/>; false when it was not one (freed already, or never ours),
    /// and then the caller must leave it alone.</summary>
    public static bool Unregister(void* pointer, Type type) => pointer != null && Live.TryRemove(KeyValuePair.Create((nint)pointer, type));

    public static SnapshotEngine Engine(IntPtr handle) =>
        handle == IntPtr.Zero
            ? throw SnapshotterException.InvalidArgument("snapshotter handle is NULL")
            : Target<SnapshotEngine>(handle)
                ?? throw SnapshotterException.InvalidArgument("the snapshotter handle is not an open snapshotter: closed already, or not from this library");

    public static CancellationTokenSource? Cancel(IntPtr handle) =>
        handle == IntPtr.Zero
            ? null
            : Target<CancellationTokenSource>(handle)
                ?? throw SnapshotterException.InvalidArgument("cancel is not a live snapshotter_cancel: freed already, or not from this library");

    /// <summary>Releases a live GCHandle of a <typeparamref name="T"/> and returns what it held; null (and nothing
    /// released) for anything else.</summary>
    public static T? Free<T>(IntPtr handle)
        where T : class
    {
        if (!Unregister((void*)handle, typeof(T)))
        {
            return null;
        }

        GCHandle gcHandle = GCHandle.FromIntPtr(handle);
        var target = (T?)gcHandle.Target;
        gcHandle.Free();
        return target;
    }

    private static T? Target<T>(IntPtr handle)
        where T : class => IsLive((void*)handle, typeof(T)) ? GCHandle.FromIntPtr(handle).Target as T : null;
}
