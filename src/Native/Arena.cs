using System.Runtime.InteropServices;
using System.Text;
using Snapshotter.Errors;
using Snapshotter.IO;

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

    /// <summary>A zeroed block of <paramref name="bytes"/>: <see cref="Build{T}"/> frees it if filling it fails, and
    /// <see cref="Release{T}"/> once it was handed out.</summary>
    private static Arena Allocate(nuint bytes) => new((byte*)NativeMemory.AllocZeroed(bytes), bytes);

    /// <summary>Frees a block <see cref="Build{T}"/> made, when <paramref name="header"/> is one still live; anything
    /// else (NULL, freed already, not from this library) is left alone. Never throws: the *_free exports have no
    /// error channel, and nothing may cross the boundary.</summary>
    public static void Release<T>(T* header)
        where T : unmanaged
    {
        try
        {
            if (Handles.Unregister(header, typeof(T)))
            {
                NativeMemory.Free(header);
            }
        }
        catch (Exception)
        {
            // Unregistering takes no lock and allocates nothing: this is only the boundary's guarantee.
        }
    }

    /// <summary>Bytes that <paramref name="count"/> elements of <typeparamref name="T"/> take, padding included.</summary>
    public static nuint SizeOf<T>(nuint count)
        where T : unmanaged => Align((nuint)sizeof(T) * count);

    /// <summary>Bytes a NUL-terminated copy of <paramref name="value"/> takes: UTF-8, or a path's own bytes when they are
    /// not (see <see cref="PathEncoding"/>).</summary>
    public static nuint SizeOf(string value) => (nuint)PathEncoding.GetByteCount(value) + 1;

    /// <summary>
    /// A result list in one block: the header, the items converted by <paramref name="convert"/> and the strings
    /// they point to (<paramref name="stringBytes"/> of each source, from <see cref="SizeOf(string)"/>).
    /// </summary>
    public static NativeList<TItem>* List<TSource, TItem>(IReadOnlyList<TSource> sources, Func<TSource, nuint> stringBytes, Converter<TSource, TItem> convert)
        where TItem : unmanaged
    {
        nuint size = SizeOf<NativeList<TItem>>(1) + ItemsSize<TSource, TItem>(sources, stringBytes);
        return Build<NativeList<TItem>>(size, (ref Arena arena) =>
        {
            var list = arena.Take<NativeList<TItem>>(1);
            arena.FillItems(list, sources, convert);
            return list;
        });
    }

    /// <summary>
    /// A report in one block: the header with the summary made by <paramref name="summary"/> (whose strings take
    /// <paramref name="summaryStringBytes"/>), then the items as in <see cref="List"/>.
    /// </summary>
    public static NativeReport<TSummary, TItem>* Report<TSummary, TSource, TItem>(nuint summaryStringBytes, SummaryMaker<TSummary> summary, IReadOnlyList<TSource> sources, Func<TSource, nuint> stringBytes, Converter<TSource, TItem> convert)
        where TSummary : unmanaged
        where TItem : unmanaged
    {
        nuint size = SizeOf<NativeReport<TSummary, TItem>>(1) + summaryStringBytes + ItemsSize<TSource, TItem>(sources, stringBytes);
        return Build<NativeReport<TSummary, TItem>>(size, (ref Arena arena) =>
        {
            var report = arena.Take<NativeReport<TSummary, TItem>>(1);
            arena.FillItems(&report->Items, sources, convert);
            report->Summary = summary(ref arena);
            return report;
        });
    }

    /// <summary>A block of <paramref name="size"/> bytes laid out by <paramref name="fill"/>, which returns the header
    /// (the block's start), registered as a live <typeparamref name="T"/> until <see cref="Release{T}"/>; the block
    /// is freed if filling fails.</summary>
    public static T* Build<T>(nuint size, Filler<T> fill)
        where T : unmanaged
    {
        var arena = Allocate(size);
        try
        {
            return Handles.Register(fill(ref arena));
        }
        catch
        {
            NativeMemory.Free(arena.Start);
            throw;
        }
    }

    public delegate T* Filler<T>(ref Arena arena)
        where T : unmanaged;

    public delegate TItem Converter<TSource, TItem>(TSource source, ref Arena arena)
        where TItem : unmanaged;

    public delegate TSummary SummaryMaker<TSummary>(ref Arena arena)
        where TSummary : unmanaged;

    public T* Take<T>(nuint count)
        where T : unmanaged
    {
        nuint bytes = SizeOf<T>(count);
        return (T*)Carve(bytes);
    }

    public byte* String(string value)
    {
        byte* p = Carve(SizeOf(value));
        byte[] bytes = PathEncoding.GetBytes(value);
        bytes.CopyTo(new Span<byte>(p, (int)(_end - p)));
        int length = bytes.Length;
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

    private static nuint ItemsSize<TSource, TItem>(IReadOnlyList<TSource> sources, Func<TSource, nuint> stringBytes)
        where TItem : unmanaged
    {
        nuint size = SizeOf<TItem>((nuint)sources.Count);
        foreach (TSource source in sources)
        {
            size += stringBytes(source);
        }

        return size;
    }

    /// <summary>Carves the item array of <paramref name="list"/> (structs before any string) and fills it.</summary>
    private void FillItems<TSource, TItem>(NativeList<TItem>* list, IReadOnlyList<TSource> sources, Converter<TSource, TItem> convert)
        where TItem : unmanaged
    {
        list->Count = (nuint)sources.Count;
        list->Items = Take<TItem>(list->Count);
        for (int i = 0; i < sources.Count; i++)
        {
            list->Items[i] = convert(sources[i], ref this);
        }
    }

    private static nuint Align(nuint bytes) => (bytes + Alignment - 1) & ~(Alignment - 1);
}
