using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Snapshotter.Hashing;
using Snapshotter.IO;

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

    /// <summary>The encoding of one file: path length and path (its bytes), then the fixed-size fields; then, for an
    /// entry with a link target, device numbers or extended attributes, those (see <see cref="AppendTreeFields"/>).</summary>
    private const int FixedBytes = 4 + 8 + 1 + 4 + 4 + 4 + 8 + 8 + 4 + 4;

    /// <summary>Set in the encoded typeflag of an entry whose tree fields follow it: entries without them encode as
    /// they did before those fields existed, so their lists keep their keys.</summary>
    private const int TreeFieldsFollow = 0x100;

    public static byte[] Of(IReadOnlyCollection<FileRecord> files)
    {
        var first = new XxHash3();
        var second = new XxHash3(SecondSeed);
        Span<byte> count = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(count, files.Count);
        first.Append(count);
        second.Append(count);
        byte[] record = new byte[256];
        var tree = new ArrayBufferWriter<byte>();
        foreach (FileRecord file in IsInOrdinalOrder(files) ? (IEnumerable<FileRecord>)files : files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
        {
            // The path is encoded in place: an array of its own per file was 5 MB of garbage at 100,000 files.
            int maxPathBytes = Encoding.UTF8.GetMaxByteCount(file.RelativePath.Length);
            if (record.Length < FixedBytes + maxPathBytes)
            {
                record = new byte[FixedBytes + maxPathBytes];
            }

            int pathBytes = PathEncoding.GetBytes(file.RelativePath, record.AsSpan(4));
            Span<byte> span = record.AsSpan(0, FixedBytes + pathBytes);
            BinaryPrimitives.WriteInt32LittleEndian(span, pathBytes);
            Span<byte> rest = span[(4 + pathBytes)..];
            BinaryPrimitives.WriteUInt64LittleEndian(rest, file.Digest?.Value ?? 0);
            rest[8] = file.ReadOnly ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt32LittleEndian(rest[9..], file.Mode);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[13..], file.Uid);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[17..], file.Gid);
            BinaryPrimitives.WriteInt64LittleEndian(rest[21..], file.Size);
            BinaryPrimitives.WriteInt64LittleEndian(rest[29..], file.ModificationTimeNs);
            BinaryPrimitives.WriteInt32LittleEndian(rest[37..], file.ModificationTimeOffsetSeconds);
            bool hasTreeFields = file.LinkTarget is not null || file.DeviceMajor != 0 || file.DeviceMinor != 0 || file.Xattrs is not null;
            BinaryPrimitives.WriteInt32LittleEndian(rest[41..], (int)file.Type | (hasTreeFields ? TreeFieldsFollow : 0));
            first.Append(span);
            second.Append(span);
            if (hasTreeFields)
            {
                tree.ResetWrittenCount();
                AppendTreeFields(tree, file);
                first.Append(tree.WrittenSpan);
                second.Append(tree.WrittenSpan);
            }
        }

        byte[] key = new byte[Length];
        BinaryPrimitives.WriteUInt64BigEndian(key, first.GetCurrentHashAsUInt64());
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(8), second.GetCurrentHashAsUInt64());
        return key;
    }

    /// <summary>Whether the files come in the order the key hashes them in already, as a <see cref="SortedFileList"/>'s
    /// do unless a path holds a character from U+D800 up: they are then not sorted again.</summary>
    private static bool IsInOrdinalOrder(IReadOnlyCollection<FileRecord> files)
    {
        if (files is SortedFileList sorted)
        {
            return sorted.InOrdinalOrder;
        }

        string? previous = null;
        foreach (FileRecord file in files)
        {
            if (previous is not null && string.CompareOrdinal(previous, file.RelativePath) > 0)
            {
                return false;
            }

            previous = file.RelativePath;
        }

        return true;
    }

    /// <summary>The link target (length -1 without one) and its bytes, the device numbers, then the extended attributes
    /// as the database stores them (none: a count of 0), every length a 32-bit little-endian prefix.</summary>
    private static void AppendTreeFields(ArrayBufferWriter<byte> output, FileRecord file)
    {
        byte[]? target = file.LinkTarget is null ? null : PathEncoding.GetBytes(file.LinkTarget);
        AppendInt32(output, target?.Length ?? -1);
        output.Write(target);
        AppendInt32(output, (int)file.DeviceMajor);
        AppendInt32(output, (int)file.DeviceMinor);
        if (file.Xattrs is { } xattrs)
        {
            output.Write(xattrs.Encode());
        }
        else
        {
            AppendInt32(output, 0);
        }
    }

    private static void AppendInt32(ArrayBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }
}
