using System.Globalization;

namespace Snapshotter.Archive;

/// <summary>
/// What the headers of one tar member say about it, as <see cref="TarWriter"/> writes them and <see cref="TarReader"/>
/// reads them: its name and type, its metadata, and what only some types have. Names and link targets are bytes,
/// exactly as the archive holds them (a name need not be UTF-8).
/// </summary>
internal sealed record TarMember(byte[] Name, byte Type, TarFileMeta Meta)
{
    /// <summary>A symlink's target, or for a hard link the name of the member it links to; empty for other types.</summary>
    public byte[] LinkName { get; init; } = [];

    /// <summary>A device's major and minor numbers; 0 for other types.</summary>
    public uint DevMajor { get; init; }

    public uint DevMinor { get; init; }

    /// <summary>Extended attributes (name, value), in the order the archive has them.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs { get; init; } = [];

    public bool IsRegularFile => Type is TarFormat.RegularType or TarFormat.OldRegularType or TarFormat.ContiguousType;

    public bool IsDirectory => Type == TarFormat.DirectoryType;

    public bool IsDevice => Type is TarFormat.CharDeviceType or TarFormat.BlockDeviceType;

    /// <summary>What a member of <paramref name="type"/> is, for messages: "a symbolic link".</summary>
    public static string Kind(byte type) => type switch
    {
        TarFormat.RegularType or TarFormat.OldRegularType or TarFormat.ContiguousType => "a regular file",
        TarFormat.HardLinkType => "a hard link",
        TarFormat.SymlinkType => "a symbolic link",
        TarFormat.CharDeviceType => "a character device",
        TarFormat.BlockDeviceType => "a block device",
        TarFormat.DirectoryType => "a directory",
        TarFormat.FifoType => "a FIFO",
        _ => string.Create(CultureInfo.InvariantCulture, $"a member of type '{(type is >= 0x20 and < 0x7F ? ((char)type).ToString() : $"\\x{type:x2}")}'"),
    };

    public bool HasLinkName => Type is TarFormat.SymlinkType or TarFormat.HardLinkType;
}
