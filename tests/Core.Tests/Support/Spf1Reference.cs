using System.Buffers.Binary;
using Snapshotter.Hashing;

namespace Snapshotter.Tests.Support;

/// <summary>
/// The SPF1 encoding and digest of a file, written from docs/format.md ("SPF1") by the tests themselves (in
/// memory; small files only), so the library's encoder is checked against an independent one.
/// </summary>
internal static class Spf1Reference
{
    public static byte[] Encode(string path)
    {
        // Extents first: reading a preallocated, never written range caches zero pages that ext4 then reports as data.
        List<(long Offset, long Length)> extents = TestFiles.DataExtents(path);
        byte[] content = File.ReadAllBytes(path);
        return Encode(content.LongLength, extents, content);
    }

    public static byte[] Encode(long size, IReadOnlyList<(long Offset, long Length)> extents, byte[] content)
    {
        using var stream = new MemoryStream();
        Span<byte> u64 = stackalloc byte[8];
        stream.Write("SPF1"u8);
        BinaryPrimitives.WriteUInt64BigEndian(u64, (ulong)size);
        stream.Write(u64);
        BinaryPrimitives.WriteUInt64BigEndian(u64, (ulong)extents.Count);
        stream.Write(u64);
        foreach ((long offset, long length) in extents)
        {
            BinaryPrimitives.WriteUInt64BigEndian(u64, (ulong)offset);
            stream.Write(u64);
            BinaryPrimitives.WriteUInt64BigEndian(u64, (ulong)length);
            stream.Write(u64);
            stream.Write(content, (int)offset, (int)length);
        }

        return stream.ToArray();
    }

    /// <summary>"xxh3:" + unpadded lowercase hex of XXH3-64 over the SPF1 bytes.</summary>
    public static string DigestOf(string path) => DigestOfEncoded(Encode(path));

    public static string DigestOfEncoded(byte[] spf1) => "xxh3:" + XxHash3.HashToUInt64(spf1).ToString("x");

    public static string HexOf(string path) => DigestOf(path)["xxh3:".Length..];
}
