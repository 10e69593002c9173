using System.Globalization;
using System.Text;
using Snapshotter.Errors;
using Snapshotter.Sparse;

namespace Snapshotter.Archive;

/// <summary>
/// Writes a POSIX (pax) tar stream that GNU tar extracts exactly: ustar headers, with pax extended headers where
/// ustar cannot hold a field (long or non-ASCII names and link targets, nanosecond mtimes, sizes from 8 GiB, large
/// ids) and for extended attributes (SCHILY.xattr.NAME, what `tar --xattrs` writes and reads), and files with
/// holes in GNU sparse format 1.0 (pax GNU.sparse.* keys; the map and then the data regions in the entry's data),
/// so that extraction recreates the holes. Every member type GNU tar writes is written as it writes it:
/// directories (their names end in '/'), symlinks, hard links (type '1', the link name is the name of an earlier
/// member of the group), character and block devices (device numbers in the ustar fields) and FIFOs. Names that are
/// not UTF-8 go into pax records as raw bytes, as GNU tar writes them, so it extracts the exact bytes. No owner
/// names are written: GNU tar then restores the numeric ids. Entries are written in order: begin one, write
/// exactly its data, end it; <see cref="Finish"/> writes the end-of-archive marker.
/// </summary>
internal sealed class TarWriter
{
    private const uint PaxHeaderMode = 0x1A4; // 0644, as GNU tar gives its extended headers

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
    public void BeginFile(TarMember member, long size)
    {
        RequireRegular(member, true);
        WriteHeaders(member, member.Name, recordName: true, size, []);
    }

    /// <summary>A member without data (a directory, symlink, hard link, device or FIFO), written and ended at once.</summary>
    public void WriteMember(TarMember member)
    {
        RequireRegular(member, false);
        WriteHeaders(member, member.Name, recordName: true, 0, []);
        EndEntry();
    }

    /// <summary>
    /// A file of <paramref name="realSize"/> bytes whose data lies only in <paramref name="extents"/>: its sparse map
    /// is written here, then the data of each extent, in order, follows through <see cref="WriteData"/>.
    /// </summary>
    public void BeginSparseFile(TarMember member, long realSize, IReadOnlyList<Extent> extents)
    {
        RequireRegular(member, true);

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
        var pax = new List<KeyValuePair<string, byte[]>>
        {
            PaxRecords.Text("GNU.sparse.major", "1"),
            PaxRecords.Text("GNU.sparse.minor", "0"),
            new("GNU.sparse.name", member.Name),
            PaxRecords.Text("GNU.sparse.realsize", realSize.ToString(CultureInfo.InvariantCulture)),
        };

        // The header names a stand-in in a GNUSparseFile.0 directory, so that a reader without sparse support
        // extracts the stored map and data there instead of a wrong file under the true name.
        int slash = member.Name.AsSpan().LastIndexOf((byte)'/');
        byte[] placeholder = [.. member.Name.AsSpan(0, slash + 1), .. "GNUSparseFile.0/"u8, .. member.Name.AsSpan(slash + 1)];
        WriteHeaders(member, placeholder, recordName: false, stored, pax);
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

    private static void RequireRegular(TarMember member, bool regular)
    {
        if (member.IsRegularFile != regular)
        {
            throw new SnapshotterException(ErrorCode.Internal,
                $"tar member '{TarFormat.Display(member.Name)}' of type '{(char)member.Type}' {(regular ? "has no data" : "needs its data")}");
        }
    }

    /// <summary>
    /// The pax extended header the member needs, if any, then its ustar header. <paramref name="headerName"/> is
    /// the name for the ustar fields; with <paramref name="recordName"/> it is also recorded as pax "path" when
    /// those fields cannot hold it.
    /// </summary>
    private void WriteHeaders(TarMember member, byte[] headerName, bool recordName, long size, List<KeyValuePair<string, byte[]>> pax)
    {
        string display = TarFormat.Display(member.Name);
        if (_entryRemaining >= 0)
        {
            throw new SnapshotterException(ErrorCode.Internal, $"tar entry '{_entryName}' was not ended before '{display}'");
        }

        if (member.IsDirectory && !headerName.AsSpan().EndsWith("/"u8))
        {
            headerName = [.. headerName, (byte)'/'];
        }

        (byte[] name, byte[] prefix) = FitName(headerName, recordName ? pax : null);
        byte[] link = [];
        if (member.HasLinkName)
        {
            bool fits = FitsField(member.LinkName, TarFormat.NameLength);
            link = fits ? member.LinkName : StandIn(member.LinkName, fromEnd: false);
            if (!fits)
            {
                pax.Add(new("linkpath", member.LinkName));
            }
        }

        if (member.IsDevice && !(TarFormat.FitsOctal(member.DevMajor, TarFormat.IdLength) && TarFormat.FitsOctal(member.DevMinor, TarFormat.IdLength)))
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"device '{display}' has numbers {member.DevMajor}:{member.DevMinor}, more than a tar header holds");
        }

        AddNumericRecords(pax, member.Meta, size);
        foreach ((string xattr, byte[] value) in member.Xattrs)
        {
            pax.Add(new(PaxRecords.XattrKey(xattr), value));
        }

        if (pax.Count > 0)
        {
            byte[] records = PaxRecords.Encode(pax);
            int slash = headerName.AsSpan().TrimEnd((byte)'/').LastIndexOf((byte)'/');
            (byte[] paxName, byte[] paxPrefix) = FitName([.. "PaxHeaders/"u8, .. StandIn(headerName.AsSpan(slash + 1).TrimEnd((byte)'/'), fromEnd: true)], pax: null);
            WriteHeader(paxName, paxPrefix, [], member.Meta with { Mode = PaxHeaderMode }, records.Length, TarFormat.PaxLocalType, 0, 0);
            _output.Write(records);
            WritePadding(records.Length);
        }

        WriteHeader(name, prefix, link, member.Meta, size, member.Type, member.DevMajor, member.DevMinor);
        _entryName = display;
        _entryRemaining = _entryData = size;
    }

    private void WriteHeader(byte[] name, byte[] prefix, byte[] link, TarFileMeta meta, long size, byte type, uint devMajor, uint devMinor)
    {
        Span<byte> header = _block;
        header.Clear();
        name.CopyTo(header.Slice(TarFormat.NameOffset, TarFormat.NameLength));
        TarFormat.WriteOctal(header.Slice(TarFormat.ModeOffset, TarFormat.IdLength), meta.Mode & 0xFFF);
        TarFormat.WriteOctal(header.Slice(TarFormat.UidOffset, TarFormat.IdLength), TarFormat.FitsOctal(meta.Uid, TarFormat.IdLength) ? meta.Uid : 0);
        TarFormat.WriteOctal(header.Slice(TarFormat.GidOffset, TarFormat.IdLength), TarFormat.FitsOctal(meta.Gid, TarFormat.IdLength) ? meta.Gid : 0);
        TarFormat.WriteOctal(header.Slice(TarFormat.SizeOffset, TarFormat.NumberLength), TarFormat.FitsOctal(size, TarFormat.NumberLength) ? size : 0);
        long seconds = Math.Max(0, Math.DivRem(meta.MtimeNs, 1_000_000_000L, out long ns) - (ns < 0 ? 1 : 0));
        TarFormat.WriteOctal(header.Slice(TarFormat.MtimeOffset, TarFormat.NumberLength), TarFormat.FitsOctal(seconds, TarFormat.NumberLength) ? seconds : 0);
        header[TarFormat.TypeOffset] = type;
        link.CopyTo(header.Slice(TarFormat.LinkNameOffset, TarFormat.NameLength));
        TarFormat.PosixMagic.CopyTo(header[TarFormat.MagicOffset..]);
        TarFormat.WriteOctal(header.Slice(TarFormat.DevMajorOffset, TarFormat.IdLength), devMajor);
        TarFormat.WriteOctal(header.Slice(TarFormat.DevMinorOffset, TarFormat.IdLength), devMinor);
        prefix.CopyTo(header.Slice(TarFormat.PrefixOffset, TarFormat.PrefixLength));
        TarFormat.WriteChecksum(header);
        _output.Write(header);
    }

    /// <summary>pax records for the numbers ustar cannot hold exactly.</summary>
    private static void AddNumericRecords(List<KeyValuePair<string, byte[]>> pax, TarFileMeta meta, long size)
    {
        if (meta.MtimeNs % 1_000_000_000 != 0 || !TarFormat.FitsOctal(meta.MtimeNs / 1_000_000_000, TarFormat.NumberLength))
        {
            pax.Add(PaxRecords.Text("mtime", PaxRecords.FormatTime(meta.MtimeNs)));
        }

        if (!TarFormat.FitsOctal(size, TarFormat.NumberLength))
        {
            pax.Add(PaxRecords.Text("size", size.ToString(CultureInfo.InvariantCulture)));
        }

        if (!TarFormat.FitsOctal(meta.Uid, TarFormat.IdLength))
        {
            pax.Add(PaxRecords.Text("uid", meta.Uid.ToString(CultureInfo.InvariantCulture)));
        }

        if (!TarFormat.FitsOctal(meta.Gid, TarFormat.IdLength))
        {
            pax.Add(PaxRecords.Text("gid", meta.Gid.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>
    /// The ustar name and prefix for <paramref name="name"/>: itself when it is ASCII and fits, split at a '/'
    /// when that fits, else (recording the true name as pax "path" when <paramref name="pax"/> is given) an ASCII
    /// stand-in made of its end, for readers that know nothing of pax.
    /// </summary>
    private static (byte[] Name, byte[] Prefix) FitName(byte[] name, List<KeyValuePair<string, byte[]>>? pax)
    {
        if (FitsField(name, TarFormat.NameLength))
        {
            return (name, []);
        }

        if (Ascii.IsValid(name))
        {
            for (int slash = 1; slash <= TarFormat.PrefixLength && slash < name.Length - 1; slash++)
            {
                if (name[slash] == '/' && name.Length - slash - 1 <= TarFormat.NameLength)
                {
                    return (name[(slash + 1)..], name[..slash]);
                }
            }
        }

        pax?.Add(new("path", name));
        return (StandIn(name, fromEnd: true), []);
    }

    private static bool FitsField(byte[] text, int length) => text.Length <= length && Ascii.IsValid(text);

    /// <summary>At most a name field's worth of <paramref name="text"/> (its end or its start), every byte that is not
    /// printable ASCII replaced by '_'.</summary>
    private static byte[] StandIn(ReadOnlySpan<byte> text, bool fromEnd)
    {
        if (text.Length > TarFormat.NameLength)
        {
            text = fromEnd ? text[^TarFormat.NameLength..] : text[..TarFormat.NameLength];
        }

        byte[] standIn = text.ToArray();
        for (int i = 0; i < standIn.Length; i++)
        {
            standIn[i] = standIn[i] is >= (byte)' ' and < 0x7F ? standIn[i] : (byte)'_';
        }

        return standIn;
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
