using System.Globalization;
using Snapshotter.Errors;
using Snapshotter.Sparse;

namespace Snapshotter.Archive;

/// <summary>
/// Reads a tar stream defensively, as the input of an import that must not trust it: every header's checksum is
/// checked, every number parsed strictly, pax records and GNU long names bounded in size, a sparse map checked
/// against the file's size and the entry's data, and a stream that ends before its end-of-archive marker is
/// reported as truncated with the byte it stopped at. Understands POSIX ustar and pax (local and global extended
/// headers, SCHILY.xattr records), GNU tar's own format ('L' long names, 'K' long link names) and GNU sparse format
/// 1.0, and every member type GNU tar writes: regular files, directories, symlinks, hard links, character and block
/// devices, FIFOs. Everything is CORRUPT except what this reader does not know (old GNU sparse, other member
/// types), which is UNSUPPORTED. Names and link targets are returned as the archive has them, bytes that need not
/// be UTF-8; the caller validates them.
/// </summary>
internal sealed class TarReader
{
    /// <summary>Pax extended headers are a few records per member; more is not an archive this reader wants.</summary>
    private const int MaxExtendedHeaderBytes = 1 << 20;
    private const int MaxLongNameBytes = 64 << 10;
    private const int MaxSparseRegions = 1 << 20;

    private readonly Stream _input;
    private readonly string _source;
    private readonly byte[] _header = new byte[TarFormat.BlockBytes];
    private readonly Dictionary<string, byte[]> _global = new(StringComparer.Ordinal);
    private long _offset;
    private long _dataRemaining;
    private long _paddingRemaining;
    private string _current = "";

    /// <param name="input">The uncompressed archive.</param>
    /// <param name="source">What the archive is, for messages ("fd 0", a path).</param>
    public TarReader(Stream input, string source)
    {
        _input = input;
        _source = source;
    }

    /// <summary>Bytes of the archive consumed so far.</summary>
    public long Offset => _offset;

    /// <summary>The next member, or null at the end-of-archive marker. The previous member's unread data is skipped.</summary>
    public TarEntry? Next()
    {
        Skip(_dataRemaining + _paddingRemaining);
        _dataRemaining = _paddingRemaining = 0;
        var local = new List<KeyValuePair<string, byte[]>>();
        byte[]? longName = null;
        byte[]? longLink = null;
        long start = _offset;
        while (true)
        {
            long headerOffset = _offset;
            if (!ReadHeader(headerOffset == start ? "after the last member" : "between an extended header and its member"))
            {
                if (headerOffset != start)
                {
                    throw Corrupt(headerOffset, "an extended header or long name is followed by the end of the archive");
                }

                return null;
            }

            byte type = _header[TarFormat.TypeOffset];
            long size = Number(TarFormat.SizeOffset, TarFormat.NumberLength, "size", headerOffset);
            switch (type)
            {
                case TarFormat.PaxLocalType:
                    local.AddRange(PaxRecords.Decode(ReadMetadataBlock(size, MaxExtendedHeaderBytes, headerOffset), Where(headerOffset)));
                    continue;
                case TarFormat.PaxGlobalType:
                    ApplyGlobal(PaxRecords.Decode(ReadMetadataBlock(size, MaxExtendedHeaderBytes, headerOffset), Where(headerOffset)), headerOffset);
                    continue;
                case TarFormat.GnuLongNameType:
                    longName = TarFormat.ReadName(ReadMetadataBlock(size, MaxLongNameBytes, headerOffset));
                    continue;
                case TarFormat.GnuLongLinkType:
                    longLink = TarFormat.ReadName(ReadMetadataBlock(size, MaxLongNameBytes, headerOffset));
                    continue;
                case TarFormat.GnuVolumeLabelType:
                    Skip(Padded(size));
                    continue;
            }

            return Member(type, size, headerOffset, local, longName, longLink);
        }
    }

    /// <summary>Reads the current member's data, up to <paramref name="destination"/>'s length; 0 once it is all read.
    /// A stream that ends inside the data is a truncated archive.</summary>
    public int ReadData(Span<byte> destination)
    {
        int want = (int)Math.Min(destination.Length, _dataRemaining);
        if (want == 0)
        {
            return 0;
        }

        ReadExactly(destination[..want], $"inside the data of '{_current}'");
        _dataRemaining -= want;
        return want;
    }

    /// <summary>
    /// Reads what follows the end-of-archive marker (zero blocks that fill a record, gzip's trailer) up to
    /// <paramref name="limitBytes"/>, so that a producer writing into a pipe does not fail on a closed reader.
    /// </summary>
    public void DrainTrailer(long limitBytes)
    {
        byte[] sink = new byte[64 << 10];
        for (long drained = 0; drained < limitBytes;)
        {
            int n = _input.Read(sink, 0, (int)Math.Min(sink.Length, limitBytes - drained));
            if (n == 0)
            {
                return;
            }

            drained += n;
        }
    }

    private TarEntry Member(byte type, long headerSize, long headerOffset, List<KeyValuePair<string, byte[]>> local, byte[]? longName, byte[]? longLink)
    {
        var records = new Dictionary<string, byte[]>(_global, StringComparer.Ordinal);
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach ((string key, byte[] value) in _global.Concat(local))
        {
            records[key] = value;
            if (key.StartsWith(PaxRecords.XattrPrefix, StringComparison.Ordinal))
            {
                string xattr = PaxRecords.XattrName(key);
                xattrs[xattr.Length > 0 && !xattr.Contains('\0') ? xattr : throw Corrupt(headerOffset, $"pax record {key} names no extended attribute")] = value;
            }
        }

        bool posix = _header.AsSpan(TarFormat.MagicOffset, TarFormat.PosixMagic.Length).SequenceEqual(TarFormat.PosixMagic);
        byte[] name = TarFormat.ReadName(_header.AsSpan(TarFormat.NameOffset, TarFormat.NameLength));
        byte[] prefix = posix ? TarFormat.ReadName(_header.AsSpan(TarFormat.PrefixOffset, TarFormat.PrefixLength)) : [];
        name = records.GetValueOrDefault("path") ?? longName ?? (prefix.Length > 0 ? [.. prefix, (byte)'/', .. name] : name);
        _current = TarFormat.Display(name);
        long size = PaxNumber(records, "size", headerOffset) ?? headerSize;
        var meta = new TarFileMeta(
            (uint)(Number(TarFormat.ModeOffset, TarFormat.IdLength, "mode", headerOffset) & 0xFFF),
            Id(records, "uid", TarFormat.UidOffset, headerOffset),
            Id(records, "gid", TarFormat.GidOffset, headerOffset),
            MtimeNs(records, headerOffset));
        _dataRemaining = size;
        _paddingRemaining = Padded(size) - size;

        if (records.ContainsKey("GNU.sparse.major") || records.ContainsKey("GNU.sparse.map") || records.ContainsKey("GNU.sparse.offset"))
        {
            if (Text(records, "GNU.sparse.major") != "1" || Text(records, "GNU.sparse.minor") != "0")
            {
                throw new SnapshotterException(ErrorCode.Unsupported,
                    $"{Where(headerOffset)}: '{_current}' is in GNU sparse format 0.x; only format 1.0 is read (GNU tar writes it with --format=posix --sparse)");
            }

            name = records.GetValueOrDefault("GNU.sparse.name") ?? name;
            _current = TarFormat.Display(name);
            long realSize = PaxNumber(records, "GNU.sparse.realsize", headerOffset)
                ?? throw Corrupt(headerOffset, $"sparse member '{_current}' has no GNU.sparse.realsize");
            return new TarEntry
            {
                Member = new TarMember(name, type, meta) { Xattrs = [.. xattrs] },
                Offset = headerOffset,
                Size = realSize,
                Extents = ReadSparseMap(realSize, headerOffset),
            };
        }

        if (type == (byte)'S')
        {
            throw new SnapshotterException(ErrorCode.Unsupported,
                $"{Where(headerOffset)}: '{_current}' is in the old GNU sparse format; create the archive with --format=posix (GNU sparse 1.0) or without --sparse");
        }

        var member = new TarMember(name, type, meta) { Xattrs = [.. xattrs] };
        switch (type)
        {
            case TarFormat.RegularType or TarFormat.OldRegularType or TarFormat.ContiguousType:
                return new TarEntry { Member = member, Offset = headerOffset, Size = size, Extents = size > 0 ? [new Extent(0, size)] : [] };
            case TarFormat.HardLinkType or TarFormat.SymlinkType:
                member = member with
                {
                    LinkName = records.GetValueOrDefault("linkpath") ?? longLink ?? TarFormat.ReadName(_header.AsSpan(TarFormat.LinkNameOffset, TarFormat.NameLength)),
                };
                if (member.LinkName.Length == 0)
                {
                    throw Corrupt(headerOffset, $"link '{_current}' has no target");
                }

                break;
            case TarFormat.CharDeviceType or TarFormat.BlockDeviceType:
                member = member with
                {
                    DevMajor = Device(records, "SCHILY.devmajor", TarFormat.DevMajorOffset, headerOffset),
                    DevMinor = Device(records, "SCHILY.devminor", TarFormat.DevMinorOffset, headerOffset),
                };
                break;
            case TarFormat.DirectoryType or TarFormat.FifoType:
                break;
            default:
                throw new SnapshotterException(ErrorCode.Unsupported, $"{Where(headerOffset)}: '{_current}' is {TarMember.Kind(type)}, which this reader does not know");
        }

        // Data of a member that has none to give (pax allows it for hard links) is skipped.
        Skip(size + _paddingRemaining);
        _dataRemaining = _paddingRemaining = 0;
        return new TarEntry { Member = member, Offset = headerOffset, Size = 0, Extents = [] };
    }

    /// <summary>
    /// The GNU sparse 1.0 map at the start of the data: the region count, then each region's offset and length,
    /// decimal, one per line, padded to a block. Regions must be ordered, inside the real size, and their lengths
    /// must add up to the data that follows the map. Empty regions (GNU tar's marker of a trailing hole) are dropped.
    /// </summary>
    private List<Extent> ReadSparseMap(long realSize, long headerOffset)
    {
        var numbers = new List<long>();
        long expected = -1;
        Span<byte> block = stackalloc byte[TarFormat.BlockBytes];
        long digits = 0;
        long current = 0;
        while (expected < 0 || numbers.Count < expected)
        {
            if (_dataRemaining < TarFormat.BlockBytes)
            {
                throw Corrupt(headerOffset, $"the sparse map of '{_current}' runs past its data");
            }

            ReadExactly(block, $"inside the sparse map of '{_current}'");
            _dataRemaining -= TarFormat.BlockBytes;
            foreach (byte b in block)
            {
                if (expected >= 0 && numbers.Count == expected)
                {
                    break;
                }

                if (b == '\n' && digits > 0)
                {
                    numbers.Add(current);
                    if (numbers.Count == 1)
                    {
                        expected = current > MaxSparseRegions ? throw Corrupt(headerOffset, $"the sparse map of '{_current}' claims {current} regions") : 1 + (2 * current);
                    }

                    digits = current = 0;
                }
                else if (b is >= (byte)'0' and <= (byte)'9' && digits < 19)
                {
                    current = (current * 10) + (b - '0');
                    digits++;
                }
                else
                {
                    throw Corrupt(headerOffset, $"the sparse map of '{_current}' is malformed");
                }
            }
        }

        var extents = new List<Extent>();
        long previousEnd = 0;
        long total = 0;
        for (int i = 1; i < numbers.Count; i += 2)
        {
            long offset = numbers[i], length = numbers[i + 1];
            if (offset < previousEnd || offset > realSize || length > realSize - offset)
            {
                throw Corrupt(headerOffset, $"the sparse map of '{_current}' has a region ({length} bytes at {offset}) that overlaps another or lies beyond its size {realSize}");
            }

            if (length > 0)
            {
                extents.Add(new Extent(offset, length));
            }

            previousEnd = offset + length;
            total += length;
        }

        if (total != _dataRemaining)
        {
            throw Corrupt(headerOffset, $"the sparse map of '{_current}' lists {total} bytes of data but the member holds {_dataRemaining}");
        }

        return extents;
    }

    /// <summary>Reads one header block: false at the end-of-archive marker (a zero block).</summary>
    private bool ReadHeader(string where)
    {
        long offset = _offset;
        int got = ReadAtMost(_header);
        if (got < TarFormat.BlockBytes)
        {
            throw offset == 0
                ? SnapshotterException.Corrupt(string.Create(CultureInfo.InvariantCulture, $"archive {_source} is not a tar archive: it holds only {got} bytes, less than one header"))
                : Truncated(offset, where);
        }

        if (Array.TrueForAll(_header, b => b == 0))
        {
            return false;
        }

        if (!TarFormat.TryReadNumber(_header.AsSpan(TarFormat.ChecksumOffset, TarFormat.ChecksumLength), out long recorded)
            || (recorded != TarFormat.Checksum(_header) && recorded != TarFormat.Checksum(_header, signed: true)))
        {
            throw Corrupt(offset, offset == 0 ? "this is not a tar archive (its first header's checksum does not match)" : "a header's checksum does not match: the archive is damaged");
        }

        ReadOnlySpan<byte> magic = _header.AsSpan(TarFormat.MagicOffset, TarFormat.GnuMagic.Length);
        if (!magic[..TarFormat.PosixMagic.Length].SequenceEqual(TarFormat.PosixMagic) && !magic.SequenceEqual(TarFormat.GnuMagic))
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{Where(offset)}: not a ustar, pax or GNU tar header (an old V7 archive?)");
        }

        return true;
    }

    private void ApplyGlobal(List<KeyValuePair<string, byte[]>> records, long headerOffset)
    {
        foreach ((string key, byte[] value) in records)
        {
            if (key is "path" or "size" or "linkpath" || key.StartsWith("GNU.sparse.", StringComparison.Ordinal))
            {
                throw Corrupt(headerOffset, $"a global extended header sets '{key}', which belongs to one member");
            }

            _global[key] = value;
        }
    }

    private byte[] ReadMetadataBlock(long size, int limit, long headerOffset)
    {
        if (size > limit)
        {
            throw Corrupt(headerOffset, $"an extended header or long name of {size} bytes (at most {limit} are read)");
        }

        byte[] data = new byte[size];
        ReadExactly(data, "inside an extended header");
        Skip(Padded(size) - size);
        return data;
    }

    private long Number(int offset, int length, string field, long headerOffset) =>
        TarFormat.TryReadNumber(_header.AsSpan(offset, length), out long value) && value >= 0
            ? value
            : throw Corrupt(headerOffset, $"the {field} field is not a valid number");

    private uint Id(Dictionary<string, byte[]> records, string key, int offset, long headerOffset)
    {
        long value = PaxNumber(records, key, headerOffset) ?? Number(offset, TarFormat.IdLength, key, headerOffset);
        return value <= uint.MaxValue ? (uint)value : throw Corrupt(headerOffset, $"{key} {value} is out of range");
    }

    private uint Device(Dictionary<string, byte[]> records, string key, int offset, long headerOffset)
    {
        long value = PaxNumber(records, key, headerOffset) ?? Number(offset, TarFormat.IdLength, "device number", headerOffset);
        return value <= uint.MaxValue ? (uint)value : throw Corrupt(headerOffset, $"device number {value} is out of range");
    }

    /// <summary>A record whose value is text (a number, a time, a version), as text; null when absent.</summary>
    private static string? Text(Dictionary<string, byte[]> records, string key) =>
        records.TryGetValue(key, out byte[]? value) ? TarFormat.Display(value) : null;

    private long? PaxNumber(Dictionary<string, byte[]> records, string key, long headerOffset) =>
        Text(records, key) is not { } text ? null
        : PaxRecords.TryParseNumber(text, out long value) ? value
        : throw Corrupt(headerOffset, $"pax record {key}={text} is not a number");

    private long MtimeNs(Dictionary<string, byte[]> records, long headerOffset)
    {
        if (Text(records, "mtime") is { } text)
        {
            return PaxRecords.TryParseTime(text, out long ns) ? ns : throw Corrupt(headerOffset, $"pax record mtime={text} is not a time");
        }

        if (!TarFormat.TryReadNumber(_header.AsSpan(TarFormat.MtimeOffset, TarFormat.NumberLength), out long seconds)
            || seconds > long.MaxValue / 1_000_000_000 || seconds < long.MinValue / 1_000_000_000)
        {
            throw Corrupt(headerOffset, "the mtime field is not a valid number");
        }

        return seconds * 1_000_000_000;
    }

    private void Skip(long bytes)
    {
        byte[] sink = new byte[64 << 10];
        while (bytes > 0)
        {
            int want = (int)Math.Min(sink.Length, bytes);
            ReadExactly(sink.AsSpan(0, want), $"inside the data of '{_current}'");
            bytes -= want;
        }
    }

    private void ReadExactly(Span<byte> destination, string where)
    {
        long start = _offset;
        if (ReadAtMost(destination) < destination.Length)
        {
            throw Truncated(start, where);
        }
    }

    private int ReadAtMost(Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int n = _input.Read(destination[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
            _offset += n;
        }

        return total;
    }

    private string Where(long offset) => string.Create(CultureInfo.InvariantCulture, $"archive {_source}, member at byte {offset}");

    private SnapshotterException Corrupt(long offset, string what) => SnapshotterException.Corrupt($"{Where(offset)}: {what}");

    private SnapshotterException Truncated(long offset, string where) =>
        SnapshotterException.Corrupt(string.Create(CultureInfo.InvariantCulture, $"archive {_source} is truncated: it ends at byte {_offset} {where}, before its end-of-archive marker"));

    private static long Padded(long length) => (length + TarFormat.BlockBytes - 1) / TarFormat.BlockBytes * TarFormat.BlockBytes;
}
