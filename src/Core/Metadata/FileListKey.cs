using System.Buffers.Binary;
using System.Text;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// What identifies a snapshot's file list in the metadata store, so that versions with identical files share one
/// recorded list: 128 bits, XXH3-64 with two seeds over every field of every file, in ordinal order of their paths,
/// whatever order the files came in. Not a cryptographic hash (that would load OpenSSL into every process): a list is
/// taken for another only if both hashes collide, far less likely than the collision of two XXH3-64 content digests
/// the store already names content by. The encoding is internal to the store: if it ever changed, lists recorded
/// before would only stop being shared.
/// </summary>
internal static class FileListKey
{
    public const int Length = 16;

    /// <summary>The second hash's seed ("SNAPLIST"); the first is seed 0.</summary>
    private const long SecondSeed = 0x534E41504C495354;

    /// <summary>The encoding of one file: path length and path (UTF-8), then the fixed-size fields.</summary>
    private const int FixedBytes = 4 + 8 + 1 + 4 + 4 + 4 + 8 + 8 + 4 + 4;

    public static byte[] Of(IReadOnlyCollection<FileRecord> files)
    {
        var first = new XxHash3();
        var second = new XxHash3(SecondSeed);
        Span<byte> count = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(count, files.Count);
        first.Append(count);
        second.Append(count);
        byte[] record = new byte[256];
        foreach (FileRecord file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            int pathBytes = Encoding.UTF8.GetByteCount(file.RelativePath);
            if (record.Length < FixedBytes + pathBytes)
            {
                record = new byte[FixedBytes + pathBytes];
            }

            Span<byte> span = record.AsSpan(0, FixedBytes + pathBytes);
            BinaryPrimitives.WriteInt32LittleEndian(span, pathBytes);
            Encoding.UTF8.GetBytes(file.RelativePath, span[4..]);
            Span<byte> rest = span[(4 + pathBytes)..];
            BinaryPrimitives.WriteUInt64LittleEndian(rest, file.Digest.Value);
            rest[8] = file.ReadOnly ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt32LittleEndian(rest[9..], file.Mode);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[13..], file.Uid);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[17..], file.Gid);
            BinaryPrimitives.WriteInt64LittleEndian(rest[21..], file.Size);
            BinaryPrimitives.WriteInt64LittleEndian(rest[29..], file.ModificationTimeNs);
            BinaryPrimitives.WriteInt32LittleEndian(rest[37..], file.ModificationTimeOffsetSeconds);
            BinaryPrimitives.WriteInt32LittleEndian(rest[41..], file.TypeFlag);
            first.Append(span);
            second.Append(span);
        }

        byte[] key = new byte[Length];
        BinaryPrimitives.WriteUInt64BigEndian(key, first.GetCurrentHashAsUInt64());
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), second.GetCurrentHashAsUInt64());
        return key;
    }
}
