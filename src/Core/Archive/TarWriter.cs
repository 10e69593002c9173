using System.Globalization;
using System.Text;
using Snapshotter.Errors;
using Snapshotter.Sparse;

namespace Snapshotter.Archive;

/// <summary>
/// Writes a POSIX (pax) tar stream that GNU tar extracts exactly: ustar headers, pax extended headers where
/// ustar cannot hold a field (long or non-ASCII paths, nanosecond mtimes, sizes from 8 GiB, large ids), and
/// files with holes in GNU sparse format 1.0 (pax GNU.sparse.* keys; the map and then the data regions in the
/// entry's data), so that extraction recreates the holes. Entries are written in order: begin one, write
/// exactly its data, end it; <see cref="Finish"/> writes the end-of-archive marker.
/// </summary>
internal sealed class TarWriter
{
    private readonly Stream _output;
    private readonly byte[] _block = new byte[TarFormat.BlockBytes];
    private long _entryRemaining = -1;
    private long _entryData;
    private string _entryName = "";

    public TarWriter(Stream output)
    {
        _output = output;
    }

    /// <summary>A regular file of <paramref name="size"/> bytes follows through <see cref="WriteData"/>.</summary>
    public void BeginFile(string name, TarFileMeta meta, long size)
    {
        var pax = new List<KeyValuePair<string, string>>();
        string ustarName = FitName(name, pax, out string prefix);
        AddNumericRecords(pax, meta, size);
        WriteEntryHeaders(name, ustarName, prefix, meta, size, pax);
    }

    /// <summary>
    /// A file of <paramref name="realSize"/> bytes whose data lies only in <paramref name="extents"/>: its sparse map
    /// is written here, then the data of each extent, in order, follows through <see cref="WriteData"/>.
    /// </summary>
    public void BeginSparseFile(string name, TarFileMeta meta, long realSize, IReadOnlyList<Extent> extents)
    {
        // The map: the entry count, then offset and length of each region, one decimal per line, padded to a
        // block. A final empty region at the real size makes GNU tar extend the file over a trailing hole.
        var map = new StringBuilder();
        bool trailingHole = extents.Count == 0 || extents[^1].End < realSize;
        map.Append(CultureInfo.InvariantCulture, $"{extents.Count + (trailingHole ? 1 : 0)}\n");
        foreach (Extent extent in extents)
        {
            map.Append(CultureInfo.InvariantCulture, $"{extent.Offset}\n{extent.Length}\n");
        }

        if (trailingHole)
        {
            map.Append(CultureInfo.InvariantCulture, $"{realSize}\n0\n");
        }

        byte[] mapBytes = Encoding.ASCII.GetBytes(map.ToString());
        long mapBlocks = Padded(mapBytes.Length);
        long stored = mapBlocks + extents.Sum(e => e.Length);
        var pax = new List<KeyValuePair<string, string>>
        {
            new("GNU.sparse.major", "1"),
            new("GNU.sparse.minor", "0"),
            new("GNU.sparse.name", name),
            new("GNU.sparse.realsize", realSize.ToString(CultureInfo.InvariantCulture)),
        };
        AddNumericRecords(pax, meta, stored);
        int slash = name.LastIndexOf('/');
        string placeholder = $"{(slash < 0 ? "" : name[..(slash + 1)])}GNUSparseFile.0/{name[(slash + 1)..]}";
        string ustarName = FitName(placeholder, pax: null, out string prefix);
        WriteEntryHeaders(name, ustarName, prefix, meta, stored, pax);
        WriteData(mapBytes);
        WriteData(new byte[mapBlocks - mapBytes.Length]);
    }

    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (data.Length > _entryRemaining)
        {
            throw new SnapshotterException(ErrorCode.Internal, $"tar entry '{_entryName}' got more data than its header announced");
        }

        _output.Write(data);
        _entryRemaining -= data.Length;
    }

    /// <summary>Ends the entry begun last, padding its data to a block.</summary>
    public void EndEntry()
    {
        if (_entryRemaining != 0)
        {
            throw new SnapshotterException(ErrorCode.Internal, $"tar entry '{_entryName}' ended {_entryRemaining} bytes short of its header");
        }

        WritePadding(_entryData);
        _entryRemaining = -1;
    }

    /// <summary>The end-of-archive marker: two zero blocks.</summary>
    public void Finish()
    {
        Array.Clear(_block);
        _output.Write(_block);
        _output.Write(_block);
        _output.Flush();
    }

    private void WriteEntryHeaders(string name, string ustarName, string prefix, TarFileMeta meta, long size, List<KeyValuePair<string, string>> pax)
    {
        if (_entryRemaining >= 0)
        {
            throw new SnapshotterException(ErrorCode.Internal, $"tar entry '{_entryName}' was not ended before '{name}'");
        }

        if (pax.Count > 0)
        {
            byte[] records = PaxRecords.Encode(pax);
            int slash = name.LastIndexOf('/');
            WriteHeader(FitName($"PaxHeaders/{name[(slash + 1)..]}", pax: null, out string paxPrefix), paxPrefix, meta with { Mode = 0x1A4 }, records.Length, TarFormat.PaxLocalType);
            _output.Write(records);
            WritePadding(records.Length);
        }

        WriteHeader(ustarName, prefix, meta, size, TarFormat.RegularType);
        _entryName = name;
        _entryRemaining = _entryData = size;
    }

    private void WriteHeader(string name, string prefix, TarFileMeta meta, long size, byte type)
    {
        Span<byte> header = _block;
        header.Clear();
        Encoding.ASCII.GetBytes(name, header.Slice(TarFormat.NameOffset, TarFormat.NameLength));
        TarFormat.WriteOctal(header.Slice(TarFormat.ModeOffset, TarFormat.IdLength), meta.Mode & 0x1FF);
        TarFormat.WriteOctal(header.Slice(TarFormat.UidOffset, TarFormat.IdLength), TarFormat.FitsOctal(meta.Uid, TarFormat.IdLength) ? meta.Uid : 0);
        TarFormat.WriteOctal(header.Slice(TarFormat.GidOffset, TarFormat.IdLength), TarFormat.FitsOctal(meta.Gid, TarFormat.IdLength) ? meta.Gid : 0);
        TarFormat.WriteOctal(header.Slice(TarFormat.SizeOffset, TarFormat.NumberLength), TarFormat.FitsOctal(size, TarFormat.NumberLength) ? size : 0);
        long seconds = Math.Max(0, Math.DivRem(meta.MtimeNs, 1_000_000_000L, out long ns) - (ns < 0 ? 1 : 0));
        TarFormat.WriteOctal(header.Slice(TarFormat.MtimeOffset, TarFormat.NumberLength), TarFormat.FitsOctal(seconds, TarFormat.NumberLength) ? seconds : 0);
        header[TarFormat.TypeOffset] = type;
        TarFormat.PosixMagic.CopyTo(header[TarFormat.MagicOffset..]);
        Encoding.ASCII.GetBytes(prefix, header.Slice(TarFormat.PrefixOffset, TarFormat.PrefixLength));
        TarFormat.WriteChecksum(header);
        _output.Write(header);
    }

    /// <summary>pax records for the numbers ustar cannot hold exactly.</summary>
    private static void AddNumericRecords(List<KeyValuePair<string, string>> pax, TarFileMeta meta, long size)
    {
        if (meta.MtimeNs % 1_000_000_000 != 0 || !TarFormat.FitsOctal(meta.MtimeNs / 1_000_000_000, TarFormat.NumberLength))
        {
            pax.Add(new("mtime", PaxRecords.FormatTime(meta.MtimeNs)));
        }

        if (!TarFormat.FitsOctal(size, TarFormat.NumberLength))
        {
            pax.Add(new("size", size.ToString(CultureInfo.InvariantCulture)));
        }

        if (!TarFormat.FitsOctal(meta.Uid, TarFormat.IdLength))
        {
            pax.Add(new("uid", meta.Uid.ToString(CultureInfo.InvariantCulture)));
        }

        if (!TarFormat.FitsOctal(meta.Gid, TarFormat.IdLength))
        {
            pax.Add(new("gid", meta.Gid.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>
    /// The ustar name and prefix for <paramref name="name"/>: itself when it is ASCII and fits, split at a '/'
    /// when that fits, else (recording the true name as pax "path" when <paramref name="pax"/> is given) an ASCII
    /// stand-in made of its end, for readers that know nothing of pax.
    /// </summary>
    private static string FitName(string name, List<KeyValuePair<string, string>>? pax, out string prefix)
    {
        prefix = "";
        bool ascii = Ascii.IsValid(name);
        if (ascii && name.Length <= TarFormat.NameLength)
        {
            return name;
        }

        if (ascii)
        {
            for (int slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                if (slash <= TarFormat.PrefixLength && name.Length - slash - 1 <= TarFormat.NameLength && slash < name.Length - 1)
                {
                    prefix = name[..slash];
                    return name[(slash + 1)..];
                }
            }
        }

        pax?.Add(new("path", name));
        var standIn = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            standIn.Append(c is >= ' ' and < '\u007f' ? c : '_');
        }

        return standIn.Length <= TarFormat.NameLength ? standIn.ToString() : standIn.ToString(standIn.Length - TarFormat.NameLength, TarFormat.NameLength);
    }

    private void WritePadding(long dataLength)
    {
        int padding = (int)(Padded(dataLength) - dataLength);
        if (padding > 0)
        {
            Array.Clear(_block);
            _output.Write(_block, 0, padding);
        }
    }

    private static long Padded(long length) => (length + TarFormat.BlockBytes - 1) / TarFormat.BlockBytes * TarFormat.BlockBytes;
}
