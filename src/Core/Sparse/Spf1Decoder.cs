using System.Buffers.Binary;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Sparse;

/// <summary>
/// Reads SPF1 content sequentially, checks its structure, hashes every byte read and writes the extents at
/// their offsets into an output file sized to the logical size, so holes stay holes. The digest comes out of
/// the same pass that writes the file. Writeback of the output starts every few MiB (<see cref="WriteBehind"/>) instead
/// of waiting for the sync that ends the operation: the disk writes while decoding goes on (a 2 GiB restore: 2.8 s ->
/// 1.7 s here). What is decoded is always kept and made durable, so an early start only overlaps the disk with the decoding.
/// </summary>
/// <remarks>
/// The bytes hashed are the bytes written, and reading them once into a buffer that stays in the L2 cache
/// is also the fastest way measured (ext4, cached 1 GiB, before the sync): copy_file_range per extent plus
/// a hashing pass, whether the pass reads or maps the content, copies no faster in the kernel and adds the
/// pass. Reflinking extents (FICLONERANGE) can never apply: it needs block-aligned source offsets, and an
/// extent's data starts after the 20-byte header, 16 bytes per extent header so far and the earlier extents
/// (whole blocks, only the last extent may be shorter), so always 4 bytes past a multiple of 16.
/// </remarks>
internal sealed class Spf1Decoder
{
    private readonly UnixFile _content;
    private readonly byte[] _buffer;
    private readonly XxHash3 _hash = new();
    private readonly CancellationToken _cancellation;
    private int _start;
    private int _end;
    private long _position;

    /// <summary>The content's length when it was opened: reads stop there, so that the end of a small object costs no
    /// read of its own (a restore of many small files made three reads of each where one does).</summary>
    private long _length;

    /// <summary>Where the last extent ends: the output's length before it is sized.</summary>
    private long _dataEnd;
    private WriteBehind? _writeBehind;
    private SnapshotterException? _tooLarge;

    private Spf1Decoder(UnixFile content, byte[] buffer, CancellationToken cancellation)
    {
        _content = content;
        _buffer = buffer;
        _cancellation = cancellation;
    }

    /// <summary>
    /// Decodes <paramref name="content"/> into <paramref name="output"/>, a new empty file (or only verifies it when null). When
    /// <paramref name="expected"/> is given, a different digest is a <see cref="ErrorCode.Corrupt"/> error naming
    /// both; malformed or truncated content is too. <paramref name="onDataBytes"/> hears of each chunk of data written.
    /// </summary>
    public static Spf1Result Decode(
        UnixFile content,
        UnixFile? output,
        byte[] buffer,
        Digest? expected,
        Action<long>? onDataBytes,
        CancellationToken cancellation)
    {
        var decoder = new Spf1Decoder(content, buffer, cancellation);
        long size = decoder.Run(output, onDataBytes);
        var digest = new Digest(decoder._hash.GetCurrentHashAsUInt64());
        if (expected is { } want && want != digest)
        {
            throw SnapshotterException.Corrupt($"content '{content.Path}' does not match its digest {want}: its bytes hash to {digest}");
        }

        if (decoder._tooLarge is { } tooLarge)
        {
            throw tooLarge;
        }

        // Only verified content may size the output: a damaged size field must read as corruption, not as a
        // filesystem refusing an absurd length. Written up to its size already, the new file needs no sizing.
        if (size > decoder._dataEnd)
        {
            output?.SetLength(size);
        }

        return new Spf1Result(digest, decoder._position, size);
    }

    private long Run(UnixFile? output, Action<long>? onDataBytes)
    {
        _length = _content.Stat().Size;
        Span<byte> header = stackalloc byte[Spf1.HeaderLengthBytes];
        ReadSmall(header);
        if (!header[..4].SequenceEqual(Spf1.Magic))
        {
            throw Malformed("it does not start with SPF1");
        }

        ulong size = BinaryPrimitives.ReadUInt64BigEndian(header[4..]);
        ulong count = BinaryPrimitives.ReadUInt64BigEndian(header[12..]);
        if (size > long.MaxValue || count > (ulong)(_length - Spf1.HeaderLengthBytes) / Spf1.ExtentHeaderLengthBytes)
        {
            throw Malformed($"its header claims {size} bytes in {count} extents, more than its {_length} bytes can hold");
        }

        Span<byte> extentHeader = stackalloc byte[Spf1.ExtentHeaderLengthBytes];
        ulong previousEnd = 0;
        for (ulong i = 0; i < count; i++)
        {
            ReadSmall(extentHeader);
            ulong offset = BinaryPrimitives.ReadUInt64BigEndian(extentHeader);
            ulong length = BinaryPrimitives.ReadUInt64BigEndian(extentHeader[8..]);
            if (offset < previousEnd || offset > size || length > size - offset)
            {
                throw Malformed($"extent {i} ({length} bytes at {offset}) overlaps another or lies beyond the size {size}");
            }

            long written = 0;
            while (written < (long)length)
            {
                ReadOnlySpan<byte> chunk = NextData((long)length - written);
                output = WriteOrDefer(output, (long)offset + written, chunk);
                written += chunk.Length;
                onDataBytes?.Invoke(chunk.Length);
            }

            previousEnd = offset + length;
        }

        if (_start != _end || _position < _length)
        {
            throw Malformed("bytes follow its last extent");
        }

        _dataEnd = (long)previousEnd;
        return (long)size;
    }

    /// <summary>
    /// Writes a chunk, except that a file too large for the filesystem stops the writing but not the reading:
    /// only the digest can tell damaged content (corrupt) from content this filesystem cannot hold.
    /// </summary>
    private UnixFile? WriteOrDefer(UnixFile? output, long offset, ReadOnlySpan<byte> chunk)
    {
        try
        {
            if (output is null)
            {
                return null;
            }

            output.Write(offset, chunk);
            (_writeBehind ??= new WriteBehind(output)).Wrote(offset, chunk.Length);

            return output;
        }
        catch (SnapshotterException e) when (e.OsError == Errno.EFBIG)
        {
            _tooLarge = e;
            return null;
        }
    }

    private SnapshotterException Malformed(string why) =>
        SnapshotterException.Corrupt($"content '{_content.Path}' is not valid SPF1: {why}");

    private void ReadSmall(Span<byte> destination)
    {
        while (_end - _start < destination.Length)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
            if (Refill() == 0)
            {
                throw Malformed($"it is truncated at byte {_position}");
            }
        }

        _buffer.AsSpan(_start, destination.Length).CopyTo(destination);
        _start += destination.Length;
    }

    private ReadOnlySpan<byte> NextData(long max)
    {
        if (_start == _end)
        {
            _start = _end = 0;
            if (Refill() == 0)
            {
                throw Malformed($"it is truncated at byte {_position}");
            }
        }

        int take = (int)Math.Min(max, _end - _start);
        var chunk = new ReadOnlySpan<byte>(_buffer, _start, take);
        _start += take;
        return chunk;
    }

    private int Refill()
    {
        _cancellation.ThrowIfCancellationRequested();
        int room = (int)Math.Min(_buffer.Length - _end, _length - _position);
        if (room <= 0)
        {
            return 0;
        }

        int n = _content.Read(_position, _buffer.AsSpan(_end, room));
        _hash.Append(_buffer.AsSpan(_end, n));
        _end += n;
        _position += n;
        return n;
    }
}
