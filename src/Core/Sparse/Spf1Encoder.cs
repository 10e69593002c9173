using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Sparse;

/// <summary>
/// Streams a file's SPF1 encoding through XXH3 and, optionally, into an output file, reading every data byte
/// exactly once: source data is read straight into the output buffer, which is hashed and written as a whole. An
/// output that runs out of space stops being written while hashing goes on to the end: content the store already
/// holds needs no copy, and only the digest can tell (<see cref="Spf1Result.OutputFull"/>).
/// </summary>
/// <remarks>
/// Writeback of the output starts every few MiB behind the write position (<see cref="WriteBehind"/>), so the
/// disk writes while reading and hashing go on and the sync that makes the batch durable has little left (after a
/// 1 GiB file here: 3-6 ms instead of 0.53-0.56 s). The price falls on content found stored
/// already, whose temporary copy is dropped after its pages went to disk for nothing; such a copy is rare, since a
/// file unchanged since a snapshot read it is not read again (its identity is remembered), and files
/// smaller than one interval are never written back early.
/// </remarks>
internal sealed class Spf1Encoder
{
    private readonly XxHash3 _hash = new();
    private UnixFile? _output;
    private WriteBehind? _writeBehind;
    private SnapshotterException? _outputFull;
    private readonly byte[] _buffer;
    private readonly Action<long>? _onDataBytes;
    private readonly CancellationToken _cancellation;
    private int _fill;
    private long _written;

    private Spf1Encoder(UnixFile? output, byte[] buffer, Action<long>? onDataBytes, CancellationToken cancellation)
    {
        _output = output;
        _writeBehind = output is null ? null : new WriteBehind(output);
        _buffer = buffer;
        _onDataBytes = onDataBytes;
        _cancellation = cancellation;
    }

    /// <summary>
    /// Encodes the first <paramref name="size"/> bytes of <paramref name="source"/> with the given extents.
    /// <paramref name="onDataBytes"/> hears of each chunk of data bytes read. A source that turns out shorter
    /// than its extents say was modified while being read: an <see cref="ErrorCode.IO"/> error naming it.
    /// </summary>
    public static Spf1Result Encode(
        UnixFile source,
        long size,
        IReadOnlyList<Extent> extents,
        UnixFile? output,
        byte[] buffer,
        Action<long>? onDataBytes,
        CancellationToken cancellation) =>
        Encode(source.Read, source.Path, size, extents, output, buffer, onDataBytes, cancellation);

    /// <summary>The digest of a file's SPF1 encoding, reading it once without storing anything.</summary>
    public static Digest DigestOf(UnixFile file, long size, byte[] buffer, CancellationToken cancellation) =>
        Encode(file, size, SparseFile.GetExtents(file, size), output: null, buffer, onDataBytes: null, cancellation).Digest;

    /// <summary>
    /// Encodes data that <paramref name="read"/> supplies, extent by extent in order (a stream that cannot seek
    /// works: it is asked for each extent's bytes once, in sequence). A source that supplies less than asked is
    /// an <see cref="ErrorCode.IO"/> error naming <paramref name="sourceName"/>.
    /// </summary>
    public static Spf1Result Encode(
        DataReader read,
        string sourceName,
        long size,
        IReadOnlyList<Extent> extents,
        UnixFile? output,
        byte[] buffer,
        Action<long>? onDataBytes,
        CancellationToken cancellation)
    {
        var encoder = new Spf1Encoder(output, buffer, onDataBytes, cancellation);
        encoder.Run(read, sourceName, size, extents);
        return new Spf1Result(new Digest(encoder._hash.GetCurrentHashAsUInt64()), encoder._written, size, encoder._outputFull);
    }

    private void Run(DataReader read, string sourceName, long size, IReadOnlyList<Extent> extents)
    {
        Spf1.WriteHeader(_buffer, size, extents.Count);
        _fill = Spf1.HeaderLengthBytes;
        foreach (Extent extent in extents)
        {
            if (_buffer.Length - _fill < Spf1.ExtentHeaderLengthBytes)
            {
                Flush();
            }

            Spf1.WriteExtentHeader(_buffer.AsSpan(_fill), extent);
            _fill += Spf1.ExtentHeaderLengthBytes;

            long offset = extent.Offset;
            long remaining = extent.Length;
            while (remaining > 0)
            {
                if (_fill == _buffer.Length)
                {
                    Flush();
                }

                int want = (int)Math.Min(remaining, _buffer.Length - _fill);
                int got = read(offset, _buffer.AsSpan(_fill, want));
                if (got < want)
                {
                    throw new SnapshotterException(ErrorCode.IO, $"'{sourceName}' changed while it was being read: it ended at byte {offset + got} of {size}");
                }

                _fill += got;
                offset += got;
                remaining -= got;
                _onDataBytes?.Invoke(got);
            }
        }

        Flush();
    }

    private void Flush()
    {
        _cancellation.ThrowIfCancellationRequested();
        ReadOnlySpan<byte> chunk = _buffer.AsSpan(0, _fill);
        _hash.Append(chunk);
        try
        {
            _output?.Write(_written, chunk);
            _writeBehind?.Wrote(_written, chunk.Length);
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.NoSpace)
        {
            _outputFull = e;
            _output = null;
            _writeBehind = null;
        }

        _written += _fill;
        _fill = 0;
    }
}
