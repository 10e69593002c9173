namespace Snapshotter.Metadata;

/// <summary>
/// What an entry of a snapshot is, numbered as tar's typeflag characters '0'..'6' (the Go snapshotter's config
/// carries the number in metadata.typeflag). Regular files and hardlinks have content; the others are metadata only.
/// </summary>
internal enum EntryType
{
    Regular = 0,

    /// <summary>A path sharing the inode of a regular file of the same snapshot, named by the link target.</summary>
    Hardlink = 1,

    Symlink = 2,
    CharacterDevice = 3,
    BlockDevice = 4,
    Directory = 5,
    Fifo = 6,
}
