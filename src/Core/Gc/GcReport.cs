namespace Snapshotter.Gc;

/// <summary>
/// What one collection did, or in a dry run would do. Content bytes are the SPF1 sizes of the objects removed;
/// orphan bytes are the sizes of the files removed (a storage/snapshot file only when no other link keeps it).
/// </summary>
public sealed record GcReport
{
    public bool DryRun { get; init; }

    /// <summary>Usage of the store's filesystem and bytes of content in the store when the collection started.</summary>
    public DiskUsage DiskUsage { get; init; }

    public long StoreBytes { get; init; }

    public int Batches { get; init; }

    public IReadOnlyList<EvictedSnapshot> Evicted { get; init; } = [];

    /// <summary>Content objects whose last reference went with the evicted snapshots, and their bytes.</summary>
    public long ContentRemoved { get; init; }

    public long ContentBytesFreed { get; init; }

    /// <summary>Temporary files and staging directories of dead owners, or foreign ones older than the grace period.</summary>
    public long OrphanTempFiles { get; init; }

    /// <summary>Content files no snapshot references, older than the grace period.</summary>
    public long OrphanContent { get; init; }

    /// <summary>storage/snapshot files of content no snapshot references, older than the grace period.</summary>
    public long OrphanSnapshotFiles { get; init; }

    /// <summary>Pending snapshots and leases of dead owners, and content records without a file or a reference.</summary>
    public long OrphanRecords { get; init; }

    public long OrphanBytesFreed { get; init; }
}
