using System.Runtime.InteropServices;
using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Native;

/// <summary>
/// Lays out a result object in ONE native allocation: its header, its element arrays and every string they point
/// to. The caller releases it with one *_free call, and nothing inside can leak or be freed twice. Sizes are
/// computed first (<see cref="SizeOf{T}"/>, <see cref="SizeOf(string)"/>), then the block is carved in order:
/// structs first (each aligned to 8 bytes), strings last.
/// </summary>
internal unsafe struct Arena
{
    private const nuint Alignment = 8;
    private byte* _next;
    private readonly byte* _end;

    private Arena(byte* start, nuint bytes)
    {
        Start = start;
        _next = start;
        _end = start + bytes;
    }

    public byte* Start { get; }

    /// <summary>A zeroed block of <paramref name="bytes"/>; release it with <see cref="Free"/>.</summary>
    public static Arena Allocate(nuint bytes) => new((byte*)NativeMemory.AllocZeroed(bytes), bytes);

    public static void Free(void* block) => NativeMemory.Free(block);

    /// <summary>Bytes that <paramref name="count"/> elements of <typeparamref name="T"/> take, padding included.</summary>
    public static nuint SizeOf<T>(nuint count)
        where T : unmanaged => Align((nuint)sizeof(T) * count);

    /// <summary>Bytes a NUL-terminated UTF-8 copy of <paramref name="value"/> takes.</summary>
    public static nuint SizeOf(string value) => (nuint)Encoding.UTF8.GetByteCount(value) + 1;

    public T* Take<T>(nuint count)
        where T : unmanaged
    {
        nuint bytes = SizeOf<T>(count);
        return (T*)Carve(bytes);
    }

    public byte* String(string value)
    {
        byte* p = Carve(SizeOf(value));
        int length = Encoding.UTF8.GetBytes(value, new Span<byte>(p, (int)(_end - p)));
        p[length] = 0;
        return p;
    }

    private byte* Carve(nuint bytes)
    {
        if (bytes > (nuint)(_end - _next))
        {
            throw new SnapshotterException(ErrorCode.Internal, $"result layout overflows its block by {bytes - (nuint)(_end - _next)} bytes");
        }

        byte* p = _next;
        _next += bytes;
        return p;
    }

    private static nuint Align(nuint bytes) => (bytes + Alignment - 1) & ~(Alignment - 1);
}
