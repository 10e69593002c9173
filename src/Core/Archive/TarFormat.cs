using Snapshotter.IO;

namespace Snapshotter.Archive;

/// <summary>
/// The ustar header block (POSIX.1-1988, as extended by pax and GNU tar): field positions, numbers in octal or
/// GNU base-256, the checksum. Everything else about tar is in <see cref="TarWriter"/> and <see cref="TarReader"/>.
/// </summary>
internal static class TarFormat
{
    public const int BlockBytes = 512;

    public const int NameOffset = 0;
    public const int NameLength = 100;
    public const int ModeOffset = 100;
    public const int UidOffset = 108;
    public const int GidOffset = 116;
    public const int IdLength = 8;
    public const int SizeOffset = 124;
    public const int MtimeOffset = 136;
    public const int NumberLength = 12;
    public const int ChecksumOffset = 148;
    public const int ChecksumLength = 8;
    public const int TypeOffset = 156;
    public const int LinkNameOffset = 157;
    public const int MagicOffset = 257;
    public const int DevMajorOffset = 329;
    public const int DevMinorOffset = 337;
    public const int PrefixOffset = 345;
    public const int PrefixLength = 155;

    public const byte RegularType = (byte)'0';
    public const byte OldRegularType = 0;
    public const byte ContiguousType = (byte)'7';
    public const byte HardLinkType = (byte)'1';
    public const byte SymlinkType = (byte)'2';
    public const byte CharDeviceType = (byte)'3';
    public const byte BlockDeviceType = (byte)'4';
    public const byte DirectoryType = (byte)'5';
    public const byte FifoType = (byte)'6';
    public const byte PaxLocalType = (byte)'x';
    public const byte PaxGlobalType = (byte)'g';
    public const byte GnuLongNameType = (byte)'L';
    public const byte GnuLongLinkType = (byte)'K';
    public const byte GnuVolumeLabelType = (byte)'V';

    /// <summary>POSIX ustar: "ustar\0" then version "00"; its prefix field extends the name.</summary>
    public static ReadOnlySpan<byte> PosixMagic => "ustar\u000000"u8;

    /// <summary>GNU tar's own format: "ustar  \0"; no prefix field (those bytes hold GNU extensions).</summary>
    public static ReadOnlySpan<byte> GnuMagic => "ustar  \0"u8;

    /// <summary>Whether <paramref name="value"/> fits a NUL-terminated octal field of <paramref name="fieldLength"/> bytes.</summary>
    public static bool FitsOctal(long value, int fieldLength) => value >= 0 && value < 1L << (3 * (fieldLength - 1));

    /// <summary>Writes <paramref name="value"/> as zero-padded octal followed by NUL (callers check <see cref="FitsOctal"/>).</summary>
    public static void WriteOctal(Span<byte> field, long value)
    {
        for (int i = field.Length - 2; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        field[^1] = 0;
    }

    /// <summary>
    /// Reads a numeric field: octal surrounded by spaces or NULs, or GNU base-256 (first byte's high bit set, then
    /// a big-endian two's complement number). False for anything else or a value beyond 64 bits.
    /// </summary>
    public static bool TryReadNumber(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if ((field[0] & 0x80) != 0)
        {
            // Bit 7 marks base-256; bit 6 is then the sign of a two's complement number in the remaining bits.
            bool negative = (field[0] & 0x40) != 0;
            long number = (sbyte)(byte)((field[0] & 0x7F) | (negative ? 0x80 : 0));
            foreach (byte b in field[1..])
            {
                if (number > long.MaxValue >> 8 || number < long.MinValue >> 8)
                {
                    return false;
                }

                number = (number << 8) | b;
            }

            value = number;
            return true;
        }

        ReadOnlySpan<byte> digits = field.Trim(" \0"u8);
        if (digits.IsEmpty)
        {
            return true;
        }

        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7' || value > long.MaxValue >> 3)
            {
                return false;
            }

            value = (value << 3) | (long)(b - '0');
        }

        return true;
    }

    /// <summary>The header's checksum: the unsigned sum of its bytes with the checksum field read as spaces.</summary>
    public static long Checksum(ReadOnlySpan<byte> header, bool signed = false)
    {
        long sum = 0;
        for (int i = 0; i < BlockBytes; i++)
        {
            byte b = i is >= ChecksumOffset and < ChecksumOffset + ChecksumLength ? (byte)' ' : header[i];
            sum += signed ? (sbyte)b : b;
        }

        return sum;
    }

    /// <summary>Writes the checksum field of a filled header: six octal digits, NUL, space (as GNU tar does).</summary>
    public static void WriteChecksum(Span<byte> header)
    {
        WriteOctal(header.Slice(ChecksumOffset, 7), Checksum(header));
        header[ChecksumOffset + 7] = (byte)' ';
    }

    /// <summary>A NUL-terminated (or full-width) name field, its bytes as they are.</summary>
    public static byte[] ReadName(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return (end < 0 ? field : field[..end]).ToArray();
    }

    /// <summary>A name for messages: as the library shows any name, each byte that is not UTF-8 as \xNN.</summary>
    public static string Display(ReadOnlySpan<byte> name) => PathEncoding.Printable(PathEncoding.FromBytes(name));
}
