namespace Snapshotter.Engine;

/// <summary>
/// One file of a snapshot as recorded: its digest, logical size, mtime (Unix ns), permission bits, owner, whether
/// it was captured read-only, and whether its content object is in the local store right now.
/// </summary>
public sealed record SnapshotFileInfo(
    string RelativePath,
    string Digest,
    long Size,
    long ModificationTimeNs,
    uint Mode,
    uint Uid,
    uint Gid,
    bool ReadOnly,
    bool ContentLocal);
