using System.Buffers.Binary;
using Snapshotter.Errors;
using Snapshotter.IO;

namespace Snapshotter.Sparse;

/// <summary>
/// The SPF1 sparse encoding that content digests are computed over (big-endian):
/// "SPF1", logical size u64, extent count u64, then per extent: offset u64, length u64, length raw bytes.
/// </summary>
internal static class Spf1
{
    public const int HeaderLengthBytes = 20;
    public const int ExtentHeaderLengthBytes = 16;

    public static ReadOnlySpan<byte> Magic => "SPF1"u8;

    public static long EncodedLength(int extentCount, long dataBytes) =>
        HeaderLengthBytes + ((long)extentCount * ExtentHeaderLengthBytes) + dataBytes;

    public static void WriteHeader(Span<byte> destination, long logicalSize, long extentCount)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], (ulong)logicalSize);
        BinaryPrimitives.WriteUInt64BigEndian(destination[12..], (ulong)extentCount);
    }

    /// <summary>The logical size an SPF1 file's header declares; CORRUPT when it has no SPF1 header.</summary>
    public static long ReadLogicalSize(UnixFile content)
    {
        Span<byte> header = stackalloc byte[HeaderLengthBytes];
        ulong size = content.Read(0, header) == HeaderLengthBytes && header[..4].SequenceEqual(Magic)
            ? BinaryPrimitives.ReadUInt64BigEndian(header[4..])
            : ulong.MaxValue;
        return size <= long.MaxValue ? (long)size : throw SnapshotterException.Corrupt($"content '{content.Path}' has no valid SPF1 header");
    }

    public static void WriteExtentHeader(Span<byte> destination, Extent extent)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)extent.Offset);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], (ulong)extent.Length);
    }
}
