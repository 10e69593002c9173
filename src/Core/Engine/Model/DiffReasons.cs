namespace Snapshotter.Engine;

/// <summary>What differs between two versions of one path (snapshotter_diff_entry.reasons in the C ABI).</summary>
[Flags]
public enum DiffReasons
{
    None = 0,

    /// <summary>The digest differs: other bytes, or the same bytes with other holes.</summary>
    Content = 0x1,
    Size = 0x2,

    /// <summary>Permission bits.</summary>
    Mode = 0x4,

    /// <summary>Modification time, to the nanosecond.</summary>
    Mtime = 0x8,

    /// <summary>Captured read-only on one side and writable on the other (snapshots only).</summary>
    ReadOnly = 0x10,

    /// <summary>uid or gid (against a directory: only when running as root, since only root restores owners).</summary>
    Owner = 0x20,

    /// <summary>The directory holds something other than a regular file at the path (a directory, a symlink...).</summary>
    Type = 0x40,
}
