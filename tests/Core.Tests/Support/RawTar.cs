using System.Text;
using Snapshotter.Archive;

namespace Snapshotter.Tests.Support;

/// <summary>
/// Builds tar archives member by member with whatever the test wants in them (any name, type, size, pax record
/// or checksum), to feed an import what no honest writer produces.
/// </summary>
internal sealed class RawTar
{
    private readonly MemoryStream _bytes = new();

    /// <summary>A member: a ustar header (name up to 100 bytes) and its data padded to a block.</summary>
    public RawTar Member(string name, byte[] data, byte type = (byte)'0', long? size = null, bool badChecksum = false, uint mode = 0x1A4, string link = "") =>
        Member(Encoding.UTF8.GetBytes(name), data, type, size, badChecksum, mode, Encoding.UTF8.GetBytes(link));

    /// <summary>A member named by raw bytes (which need not be UTF-8).</summary>
    public RawTar Member(byte[] name, byte[] data, byte type = (byte)'0', long? size = null, bool badChecksum = false, uint mode = 0x1A4, byte[]? link = null)
    {
        byte[] header = new byte[TarFormat.BlockBytes];
        name.CopyTo(header.AsSpan(0, 100));
        (link ?? []).CopyTo(header.AsSpan(TarFormat.LinkNameOffset, 100));
        TarFormat.WriteOctal(header.AsSpan(TarFormat.ModeOffset, 8), mode);
        TarFormat.WriteOctal(header.AsSpan(TarFormat.UidOffset, 8), 0);
        TarFormat.WriteOctal(header.AsSpan(TarFormat.GidOffset, 8), 0);
        TarFormat.WriteOctal(header.AsSpan(TarFormat.SizeOffset, 12), size ?? data.Length);
        TarFormat.WriteOctal(header.AsSpan(TarFormat.MtimeOffset, 12), 1_700_000_000);
        header[TarFormat.TypeOffset] = type;
        TarFormat.PosixMagic.CopyTo(header.AsSpan(TarFormat.MagicOffset));
        TarFormat.WriteChecksum(header);
        if (badChecksum)
        {
            header[0] ^= 0x01;
        }

        _bytes.Write(header);
        _bytes.Write(data);
        _bytes.Write(new byte[(TarFormat.BlockBytes - (data.Length % TarFormat.BlockBytes)) % TarFormat.BlockBytes]);
        return this;
    }

    public RawTar File(string name, string text) => Member(name, Encoding.UTF8.GetBytes(text));

    /// <summary>A pax extended header applying to the next member.</summary>
    public RawTar Pax(params (string Key, string Value)[] records) =>
        Member("PaxHeaders/x", PaxRecords.Encode(records.Select(r => PaxRecords.Text(r.Key, r.Value))), type: (byte)'x');

    /// <summary>A symlink to <paramref name="target"/>.</summary>
    public RawTar Symlink(string name, string target) => Member(name, [], (byte)'2', mode: 0x1FF, link: target);

    /// <summary>A hard link to the member named <paramref name="target"/>.</summary>
    public RawTar HardLink(string name, string target) => Member(name, [], (byte)'1', link: target);

    public RawTar Directory(string name) => Member(name, [], (byte)'5', mode: 0x1ED);

    public RawTar End()
    {
        _bytes.Write(new byte[2 * TarFormat.BlockBytes]);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();
}
