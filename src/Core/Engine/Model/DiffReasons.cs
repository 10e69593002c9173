namespace Snapshotter.Engine;

/// <summary>What differs between two versions of one path (snapshotter_diff_entry.reasons in the C ABI).</summary>
[Flags]
public enum DiffReasons
{
    None = 0,

    /// <summary>The digest differs: other bytes, or the same bytes with other holes.</summary>
    Content = 0x1,
    Size = 0x2,

    /// <summary>Permission bits, setuid, setgid and sticky included.</summary>
    Mode = 0x4,

    /// <summary>Modification time, to the nanosecond.</summary>
    Mtime = 0x8,

    /// <summary>Captured read-only on one side and writable on the other (snapshots only).</summary>
    ReadOnly = 0x10,

    /// <summary>uid or gid (against a directory: only when running as root, since only root restores owners).</summary>
    Owner = 0x20,

    /// <summary>The entry is of another type (a regular file on one side, a directory or a symlink on the other...).</summary>
    Type = 0x40,

    /// <summary>A symlink points elsewhere, or a hardlink shares another path's inode.</summary>
    LinkTarget = 0x80,

    /// <summary>Extended attributes: one present on one side only, or another value.</summary>
    Xattrs = 0x100,

    /// <summary>A device node's major or minor number.</summary>
    Device = 0x200,
}
