using System.Runtime.InteropServices;
using System.Text;
using Snapshotter.Errors;
using Snapshotter.IO;

namespace Snapshotter.Native;

/// <summary>UTF-8 strings across the boundary: strictly decoded on the way in, NativeMemory on the way out.</summary>
internal static unsafe class Utf8
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A required string argument; NULL or invalid UTF-8 is INVALID_ARGUMENT naming <paramref name="field"/>.</summary>
    public static string Required(byte* value, string field) =>
        Optional(value, field) ?? throw SnapshotterException.InvalidArgument($"{field} is NULL");

    /// <summary>An optional string argument: NULL gives null; invalid UTF-8 is INVALID_ARGUMENT naming <paramref name="field"/>.</summary>
    public static string? Optional(byte* value, string field)
    {
        if (value == null)
        {
            return null;
        }

        var bytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value);
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw SnapshotterException.InvalidArgument($"{field} is not valid UTF-8");
        }
    }

    /// <summary>A required path argument: any bytes but NUL, UTF-8 or not, kept losslessly (see
    /// <see cref="PathEncoding"/>); NULL is INVALID_ARGUMENT naming <paramref name="field"/>.</summary>
    public static string RequiredPath(byte* value, string field) =>
        OptionalPath(value) ?? throw SnapshotterException.InvalidArgument($"{field} is NULL");

    /// <summary>An optional path argument: NULL gives null; otherwise as <see cref="RequiredPath"/>.</summary>
    public static string? OptionalPath(byte* value) =>
        value == null ? null : PathEncoding.FromBytes(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(value));

    /// <summary>A NUL-terminated copy in native memory, released with NativeMemory.Free.</summary>
    public static byte* Allocate(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        var p = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(p, length));
        p[length] = 0;
        return p;
    }

    /// <summary>The address of a static UTF-8 literal ("..."u8 with a trailing \0), which never moves.</summary>
    public static byte* Static(ReadOnlySpan<byte> literalWithNul) =>
        (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(literalWithNul));
}
