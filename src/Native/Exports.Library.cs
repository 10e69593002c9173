using System.Runtime.InteropServices;
using Snapshotter.Errors;

namespace Snapshotter.Native;

/// <summary>
/// The C ABI of include/snapshotter.h. Each export checks its pointers, calls into Core, and turns every
/// exception into a code (and an error object when asked): nothing is thrown across the boundary.
/// </summary>
internal static unsafe partial class Exports
{
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_version")]
    public static byte* Version()
    {
        try
        {
            return Utf8.Static(HeaderVersion.Utf8WithNul);
        }
        catch (Exception)
        {
            return null;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_version_number")]
    public static uint VersionNumber()
    {
        try
        {
            return (HeaderVersion.Major * 1_000_000) + (HeaderVersion.Minor * 1_000) + HeaderVersion.Patch;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_code_name")]
    public static byte* CodeName(int code)
    {
        try
        {
            return NameOf(code);
        }
        catch (Exception)
        {
            return Utf8.Static("UNKNOWN\0"u8);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_error_code")]
    public static int ErrorCodeOf(NativeError* error)
    {
        try
        {
            return error == null ? (int)ErrorCode.Ok : Handles.IsLive(error) ? error->Code : (int)ErrorCode.InvalidArgument;
        }
        catch (Exception)
        {
            return (int)ErrorCode.Internal;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_error_message")]
    public static byte* ErrorMessage(NativeError* error)
    {
        try
        {
            return error == null ? Utf8.Static("\0"u8)
                : Handles.IsLive(error) ? error->Message
                : Utf8.Static("err is not a live snapshotter_error: freed already, or not from this library\0"u8);
        }
        catch (Exception)
        {
            return Utf8.Static("\0"u8);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_error_free")]
    public static void ErrorFree(NativeError* error)
    {
        try
        {
            NativeError.Free(error);
        }
        catch (Exception)
        {
            // Freeing has no error channel, and nothing may cross the boundary.
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_cancel_new")]
    public static int CancelNew(IntPtr* result, NativeError** err)
    {
        try
        {
            RequireOut(result, "out");
            *result = Handles.Create(new CancellationTokenSource());
            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(err, e);
        }
    }

    /// <summary>No error channel: NULL and anything but a live token are ignored.</summary>
    [UnmanagedCallersOnly(EntryPoint = "snapshotter_cancel_trigger")]
    public static void CancelTrigger(IntPtr cancel)
    {
        try
        {
            Handles.Cancel(cancel)?.Cancel();
        }
        catch (Exception)
        {
            // Not a live token, or (never seen: they are the library's own) a cancellation callback that threw.
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_cancel_is_triggered")]
    public static int CancelIsTriggered(IntPtr cancel)
    {
        try
        {
            return Handles.Cancel(cancel)?.IsCancellationRequested == true ? 1 : 0;
        }
        catch (Exception)
        {
            return 0;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "snapshotter_cancel_free")]
    public static void CancelFree(IntPtr cancel)
    {
        try
        {
            Handles.Free<CancellationTokenSource>(cancel)?.Dispose();
        }
        catch (Exception)
        {
            // Freeing has no error channel, and nothing may cross the boundary.
        }
    }

    private static byte* NameOf(int code) => (ErrorCode)code switch
    {
        ErrorCode.Ok => Utf8.Static("OK\0"u8),
        ErrorCode.InvalidArgument => Utf8.Static("INVALID_ARGUMENT\0"u8),
        ErrorCode.NotFound => Utf8.Static("NOT_FOUND\0"u8),
        ErrorCode.AlreadyExists => Utf8.Static("ALREADY_EXISTS\0"u8),
        ErrorCode.Cancelled => Utf8.Static("CANCELLED\0"u8),
        ErrorCode.IO => Utf8.Static("IO\0"u8),
        ErrorCode.Corrupt => Utf8.Static("CORRUPT\0"u8),
        ErrorCode.PermissionDenied => Utf8.Static("PERMISSION_DENIED\0"u8),
        ErrorCode.NoSpace => Utf8.Static("NO_SPACE\0"u8),
        ErrorCode.Unsupported => Utf8.Static("UNSUPPORTED\0"u8),
        ErrorCode.Closed => Utf8.Static("CLOSED\0"u8),
        ErrorCode.Unauthenticated => Utf8.Static("UNAUTHENTICATED\0"u8),
        ErrorCode.Unavailable => Utf8.Static("UNAVAILABLE\0"u8),
        ErrorCode.Timeout => Utf8.Static("TIMEOUT\0"u8),
        ErrorCode.FailedPrecondition => Utf8.Static("FAILED_PRECONDITION\0"u8),
        ErrorCode.Internal => Utf8.Static("INTERNAL\0"u8),
        _ => Utf8.Static("UNKNOWN\0"u8),
    };

    private static void RequireOut(void* pointer, string name)
    {
        if (pointer == null)
        {
            throw SnapshotterException.InvalidArgument($"{name} is NULL");
        }
    }

    /// <summary>
    /// The body of every *_init export: a struct of a supported version, zeroed (padding included: callers compare
    /// it byte for byte with their *_INIT macro, and a struct value copied in would carry whatever its stack slot
    /// held between fields), its leading `version` set, then any other defaults written through the pointer.
    /// </summary>
    private static int InitStruct<T>(T* target, uint version, uint current, string structName, delegate*<T*, void> otherDefaults = null, uint oldest = 1)
        where T : unmanaged
    {
        try
        {
            RequireOut(target, structName);
            RequireVersion(version, oldest, current, structName);
            NativeMemory.Clear(target, (nuint)sizeof(T));
            *(uint*)target = version;
            if (otherDefaults != null)
            {
                otherDefaults(target);
            }

            return 0;
        }
        catch (Exception e)
        {
            return NativeError.Report(null, e);
        }
    }


    /// <summary>Struct versions this library understands: 1..current. 0 is an uninitialised struct.</summary>
    private static void RequireVersion(uint version, uint current, string structName) => RequireVersion(version, 1, current, structName);

    /// <summary>
    /// Struct versions this library understands: oldest..current. 0 is an uninitialised struct; versions below
    /// oldest had another field order (docs/abi.md), which this library no longer reads.
    /// </summary>
    private static void RequireVersion(uint version, uint oldest, uint current, string structName)
    {
        if (version == 0)
        {
            throw SnapshotterException.InvalidArgument($"{structName}.version is 0: initialise it with its _INIT macro or _init function");
        }

        if (version > current)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{structName}.version {version} is newer than this library supports ({current})");
        }

        if (version < oldest)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{structName}.version {version} has a field order this library no longer reads (it reads {oldest} to {current}): rebuild against the current snapshotter.h");
        }
    }
}
