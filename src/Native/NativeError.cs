using System.Runtime.InteropServices;
using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Native;

/// <summary>The snapshotter_error object: a code and a UTF-8 message, both owned by the native allocation.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeError
{
    public int Code;
    public byte* Message;

    /// <summary>
    /// The export boundary: maps anything thrown to a code, and to an error object when the caller asked for
    /// one (<paramref name="err"/> not NULL). Never throws.
    /// </summary>
    public static int Report(NativeError** err, Exception exception)
    {
        SnapshotterException failure = exception as SnapshotterException
            ?? new SnapshotterException(ErrorCode.Internal, $"internal error: {exception.GetType().Name}: {exception.Message}", exception);
        if (err != null)
        {
            *err = Allocate(failure.Code, failure.Message);
        }

        return (int)failure.Code;
    }

    public static NativeError* Allocate(ErrorCode code, string message)
    {
        var error = (NativeError*)NativeMemory.Alloc((nuint)sizeof(NativeError));
        error->Code = (int)code;
        error->Message = Utf8.Allocate(message);
        return Handles.Register(error);
    }

    /// <summary>Frees a live error object; anything else (NULL, freed already, not from this library) is left alone.</summary>
    public static void Free(NativeError* error)
    {
        if (Handles.Unregister(error, typeof(NativeError)))
        {
            NativeMemory.Free(error->Message);
            NativeMemory.Free(error);
        }
    }
}
