using System.Buffers.Binary;
using System.Text;

namespace Snapshotter.Metadata;

/// <summary>
/// The extended attributes of an entry: names (valid UTF-8, such as "user.origin" or "security.capability") with
/// their values as bytes, ordered by the UTF-8 bytes of the name so that one set always serializes one way. Compared
/// by value, so records holding equal sets are equal.
/// </summary>
internal sealed class ExtendedAttributes : IEquatable<ExtendedAttributes>
{
    /// <summary>Linux's XATTR_NAME_MAX: the longest name, in bytes.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>Linux's XATTR_SIZE_MAX: the largest value, in bytes.</summary>
    public const int MaxValueBytes = 65536;

    /// <summary>Linux's XATTR_LIST_MAX: all names of an inode, each with its NUL, take at most this many bytes.</summary>
    public const int MaxNameListBytes = 65536;

    private readonly KeyValuePair<string, byte[]>[] _entries;

    private static readonly Comparer<string> ByUtf8Bytes =
        Comparer<string>.Create((a, b) => Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));

    /// <summary>Whether a snapshot of a directory records the attribute: user.*, and as root the file capabilities and
    /// POSIX ACLs, which only root can set again. Others (security.selinux, trusted.*) belong to the host's policy.</summary>
    public static bool IsCaptured(string name, bool asRoot) =>
        name.StartsWith("user.", StringComparison.Ordinal)
        || (asRoot && name is "security.capability" or "system.posix_acl_access" or "system.posix_acl_default");

    /// <summary>Whether the set holds an attribute of this name.</summary>
    public bool Contains(string name) => _entries.Any(e => e.Key == name);

    /// <summary>A set of distinct names (the caller's to check) with their values.</summary>
    public ExtendedAttributes(IEnumerable<KeyValuePair<string, byte[]>> entries) =>
        _entries = entries.OrderBy(e => e.Key, ByUtf8Bytes).ToArray();

    /// <summary>Name and value pairs, in the byte order of the names.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Entries => _entries;

    public int Count => _entries.Length;

    public bool Equals(ExtendedAttributes? other) =>
        other is not null && _entries.Length == other._entries.Length
        && _entries.Zip(other._entries).All(p => p.First.Key == p.Second.Key && p.First.Value.AsSpan().SequenceEqual(p.Second.Value));

    public override bool Equals(object? obj) => Equals(obj as ExtendedAttributes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach ((string name, byte[] value) in _entries)
        {
            hash.Add(name);
            hash.AddBytes(value);
        }

        return hash.ToHashCode();
    }

    /// <summary>The set as the metadata database stores it: the count, then each name (UTF-8) and value, every length a
    /// 32-bit little-endian prefix.</summary>
    public byte[] Encode()
    {
        var bytes = new byte[4 + _entries.Sum(e => 8 + Encoding.UTF8.GetByteCount(e.Key) + e.Value.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, _entries.Length);
        int at = 4;
        foreach ((string name, byte[] value) in _entries)
        {
            int nameBytes = Encoding.UTF8.GetBytes(name, bytes.AsSpan(at + 4));
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), nameBytes);
            at += 4 + nameBytes;
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value.Length);
            value.CopyTo(bytes, at + 4);
            at += 4 + value.Length;
        }

        return bytes;
    }

    /// <summary>A set from <see cref="Encode"/>'s bytes; a FormatException when they are not such bytes.</summary>
    public static ExtendedAttributes Decode(ReadOnlySpan<byte> bytes)
    {
        int count = ReadLength(ref bytes);
        var entries = new List<KeyValuePair<string, byte[]>>(Math.Min(count, 64));
        for (int i = 0; i < count; i++)
        {
            int nameBytes = ReadLength(ref bytes);
            string name = Encoding.UTF8.GetString(bytes[..nameBytes]);
            bytes = bytes[nameBytes..];
            int valueBytes = ReadLength(ref bytes);
            entries.Add(new(name, bytes[..valueBytes].ToArray()));
            bytes = bytes[valueBytes..];
        }

        return bytes.IsEmpty ? new ExtendedAttributes(entries) : throw new FormatException("extended attributes with bytes after the last one");

        static int ReadLength(ref ReadOnlySpan<byte> bytes)
        {
            int length = bytes.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : -1;
            if (length < 0 || length > bytes.Length - 4)
            {
                throw new FormatException("truncated extended attributes");
            }

            bytes = bytes[4..];
            return length;
        }
    }
}
