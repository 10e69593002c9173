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

    /// <summary>
    /// A result list in one block: the header, the items converted by <paramref name="convert"/> and the strings
    /// they point to (<paramref name="stringBytes"/> of each source, from <see cref="SizeOf(string)"/>).
    /// </summary>
    public static NativeList<TItem>* List<TSource, TItem>(IReadOnlyList<TSource> sources, Func<TSource, nuint> stringBytes, Converter<TSource, TItem> convert)
        where TItem : unmanaged
    {
        nuint count = (nuint)sources.Count;
        nuint size = SizeOf<NativeList<TItem>>(1) + SizeOf<TItem>(count);
        foreach (TSource source in sources)
        {
            size += stringBytes(source);
        }

        return Build<NativeList<TItem>>(size, (ref Arena arena) =>
        {
            var list = arena.Take<NativeList<TItem>>(1);
            list->Count = count;
            list->Items = arena.Take<TItem>(count);
            for (int i = 0; i < sources.Count; i++)
            {
                list->Items[i] = convert(sources[i], ref arena);
            }

            return list;
        });
    }

    /// <summary>A block of <paramref name="size"/> bytes laid out by <paramref name="fill"/>, which returns the header
    /// (the block's start); the block is freed if filling fails.</summary>
    public static T* Build<T>(nuint size, Filler<T> fill)
        where T : unmanaged
    {
        var arena = Allocate(size);
        try
        {
            return fill(ref arena);
        }
        catch
        {
            Free(arena.Start);
            throw;
        }
    }

    public delegate T* Filler<T>(ref Arena arena)
        where T : unmanaged;

    public delegate TItem Converter<TSource, TItem>(TSource source, ref Arena arena)
        where TItem : unmanaged;

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
