using System.Buffers.Binary;
using Snapshotter.Errors;
using Snapshotter.IO;

namespace Snapshotter.Sparse;

/// <summary>
/// Where the data of each extent lies in stored SPF1 content, read from its headers alone (the data is skipped),
/// with the structure the decoder enforces: ordered extents inside the logical size, nothing after the last.
/// </summary>
internal sealed record Spf1Layout(long Size, IReadOnlyList<Extent> Extents, IReadOnlyList<long> DataOffsets)
{
    public static Spf1Layout Read(UnixFile content)
    {
        long length = content.Stat().Size;
        Span<byte> header = stackalloc byte[Spf1.HeaderLengthBytes];
        if (content.Read(0, header) < header.Length || !header[..4].SequenceEqual(Spf1.Magic))
        {
            throw Malformed(content, "it does not start with an SPF1 header");
        }

        ulong size = BinaryPrimitives.ReadUInt64BigEndian(header[4..]);
        ulong count = BinaryPrimitives.ReadUInt64BigEndian(header[12..]);
        if (size > long.MaxValue || count > (ulong)(length - Spf1.HeaderLengthBytes) / Spf1.ExtentHeaderLengthBytes)
        {
            throw Malformed(content, $"its header claims {size} bytes in {count} extents, more than its {length} bytes can hold");
        }

        var extents = new List<Extent>((int)count);
        var offsets = new List<long>((int)count);
        Span<byte> extentHeader = stackalloc byte[Spf1.ExtentHeaderLengthBytes];
        long position = Spf1.HeaderLengthBytes;
        long previousEnd = 0;
        for (ulong i = 0; i < count; i++)
        {
            if (content.Read(position, extentHeader) < extentHeader.Length)
            {
                throw Malformed(content, $"it is truncated at byte {position}");
            }

            long offset = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(extentHeader), long.MaxValue);
            long extentLength = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(extentHeader[8..]), long.MaxValue);
            position += Spf1.ExtentHeaderLengthBytes;
            if (offset < previousEnd || offset > (long)size || extentLength > (long)size - offset || extentLength > length - position)
            {
                throw Malformed(content, $"extent {i} ({extentLength} bytes at {offset}) overlaps another, lies beyond the size {size} or past the end");
            }

            extents.Add(new Extent(offset, extentLength));
            offsets.Add(position);
            position += extentLength;
            previousEnd = offset + extentLength;
        }

        return position == length ? new Spf1Layout((long)size, extents, offsets) : throw Malformed(content, "bytes follow its last extent");
    }

    private static SnapshotterException Malformed(UnixFile content, string why) =>
        SnapshotterException.Corrupt($"content '{content.Path}' is not valid SPF1: {why}");
}
