namespace Snapshotter.Verify;

/// <summary>What is wrong with a store. Values are shared with the C ABI (snapshotter_problem_kind): pinned.</summary>
public enum VerifyProblemKind
{
    /// <summary>A content file does not hash to its name or is not valid SPF1. Repair removes it and recovers it.</summary>
    CorruptContent = 1,

    /// <summary>Content a snapshot references is not in the local store. Repair fetches it from the content provider
    /// or re-encodes it from its storage/snapshot file.</summary>
    MissingContent = 2,

    /// <summary>A storage/snapshot file does not hold its digest's content, or carries a mode or owner no read-only entry
    /// of it records (its inode was changed). Repair removes it (restores recreate it from the content), or for changed
    /// attributes replaces it with a private copy carrying the recorded ones, never changing the shared inode.</summary>
    CorruptSnapshotFile = 3,

    /// <summary>A read-only entry's storage/snapshot file is missing. Repair recreates it from the content.</summary>
    MissingSnapshotFile = 4,

    /// <summary>Records of handles that are no longer open: pending snapshots and leases. Repair drops them.</summary>
    DanglingRecord = 5,

    /// <summary>A snapshot some of whose content is neither stored nor recoverable. Not repairable.</summary>
    UnrestorableSnapshot = 6,

    /// <summary>A file in the store that is neither content, a storage/snapshot file nor a temporary file. Reported only.</summary>
    StrayFile = 7,

    /// <summary>The metadata database fails its integrity check or holds malformed records, or it is stale: lost,
    /// unreadable, or older than the store (snapshots the store's recovery records hold are not in it). Repair rebuilds a
    /// stale database from those records; other damage is not repairable.</summary>
    CorruptMetadata = 8,
}
