using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// One file of a snapshot: every field of the Go snapshotter's config JSON entry. The modification time is
/// kept to the nanosecond with the UTC offset it was recorded in, so the JSON can be reproduced exactly.
/// </summary>
internal sealed record FileRecord(
    string RelativePath,
    Digest Digest,
    bool ReadOnly,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    long ModificationTimeNs,
    int ModificationTimeOffsetSeconds,
    int TypeFlag)
{
    /// <summary>tar's typeflag for a regular file; the only kind snapshots hold.</summary>
    public const int RegularFileTypeFlag = 0;
}
