using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// One entry of a snapshot: every field of the Go snapshotter's config JSON entry, and what a whole tree needs beyond
/// it. The modification time is kept to the nanosecond with the UTC offset it was recorded in, so the JSON can be
/// reproduced exactly. <see cref="RelativePath"/> and <see cref="LinkTarget"/> are names as
/// <see cref="IO.PathEncoding"/> keeps them: lossless for names that are not UTF-8.
/// </summary>
/// <param name="Digest">The content of a regular file or hardlink (a hardlink carries its target's); null for the
/// entries without content.</param>
/// <param name="Mode">Permission bits with setuid, setgid and sticky (at most 07777).</param>
/// <param name="Size">The logical size of a regular file or hardlink; 0 for the others.</param>
/// <param name="LinkTarget">A symlink's target as stored (never resolved), or the path of the regular file a hardlink
/// shares its inode with; null for the other types.</param>
/// <param name="DeviceMajor">A device node's major number (0 for the other types).</param>
/// <param name="DeviceMinor">A device node's minor number (0 for the other types).</param>
/// <param name="Xattrs">Extended attributes; null when there are none.</param>
internal sealed record FileRecord(
    string RelativePath,
    Digest? Digest,
    bool ReadOnly,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    long ModificationTimeNs,
    int ModificationTimeOffsetSeconds,
    EntryType Type,
    string? LinkTarget = null,
    uint DeviceMajor = 0,
    uint DeviceMinor = 0,
    ExtendedAttributes? Xattrs = null)
{
    /// <summary>setuid, setgid, sticky and the rwx bits: what an entry's mode records.</summary>
    public const uint ModeMask = 0xFFF;

    /// <summary>Whether the entry has content (a digest): regular files and hardlinks.</summary>
    public bool HasContent => Type is EntryType.Regular or EntryType.Hardlink;

    /// <summary>The digest of an entry that has content; for callers that selected such entries already.</summary>
    public Digest ContentDigest => Digest ?? throw new InvalidOperationException($"'{RelativePath}' ({Type}) has no content");
}
