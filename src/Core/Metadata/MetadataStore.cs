using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// Snapshot metadata in SQLite under RootDir/metadata, as one object for the engine's operations to hold: each call is
/// answered by the record type of its concern, all over one <see cref="MetadataDatabase"/>. The concerns are
/// <see cref="SnapshotRecords"/> (reserving, committing, listing and deleting snapshots), <see cref="FileLists"/> (the
/// files of a snapshot, shared between snapshots and recorded as deltas), <see cref="LeaseRecords"/> (what running
/// operations pin), <see cref="RememberedDigests"/> (digests by file identity), <see cref="UploadRecords"/> (what was
/// uploaded where), <see cref="GcRecords"/> (what the collector and the verifier read and delete) and
/// <see cref="LifecycleRecords"/> (containerd's snapshot lifecycle, handed out whole as <see cref="Lifecycle"/>: its
/// operations use nothing else here); the schema and its migrations are <see cref="MetadataSchema"/>.
/// </summary>
internal sealed class MetadataStore
{
    public const string DatabaseFileName = MetadataDatabase.FileName;

    private readonly MetadataDatabase _database;
    private readonly SnapshotRecords _snapshots;
    private readonly FileLists _lists;
    private readonly LeaseRecords _leases;
    private readonly RememberedDigests _remembered;
    private readonly UploadRecords _uploads;
    private readonly GcRecords _gc;
    private readonly LifecycleRecords _lifecycle;

    private MetadataStore(MetadataDatabase database)
    {
        _database = database;
        _lists = new FileLists(database);
        _snapshots = new SnapshotRecords(database, _lists);
        _leases = new LeaseRecords(database);
        _remembered = new RememberedDigests(database);
        _uploads = new UploadRecords(database);
        _gc = new GcRecords(database);
        _lifecycle = new LifecycleRecords(database);
    }

    public string Path => _database.Path;

    /// <summary>containerd's snapshot lifecycle (views, actives and the snapshots committed from them).</summary>
    public LifecycleRecords Lifecycle => _lifecycle;

    public static MetadataStore Open(string metadataDir) => new(MetadataDatabase.Open(metadataDir));

    /// <summary>Closes the idle connections to the database (see <see cref="MetadataDatabase.CloseIdleConnections"/>),
    /// for a handle that is closing.</summary>
    public void CloseIdleConnections() => _database.CloseIdleConnections();

    public long InsertPending(string name, string version, long nowNs, string owner, Func<string, bool> isOwnerAlive) =>
        _snapshots.InsertPending(name, version, nowNs, owner, isOwnerAlive);

    public int DeleteAbandonedPending(Func<string, bool> isOwnerAlive, bool delete = true) => _snapshots.DeleteAbandonedPending(isOwnerAlive, delete);

    public IReadOnlyList<Digest> Commit(
        long snapshotId,
        IReadOnlyList<FileRecord> files,
        IReadOnlyCollection<ContentRecord> contents,
        long nowNs,
        Func<Digest, bool>? isContentPresent = null,
        long? createdNs = null,
        LifecycleCommit? lifecycle = null) =>
        _snapshots.Commit(snapshotId, files, contents, nowNs, isContentPresent, createdNs, lifecycle);

    public (SnapshotRecord? Snapshot, IReadOnlyList<Digest> Missing) CommitPulled(
        string name,
        string version,
        IReadOnlyList<FileRecord> files,
        IReadOnlyCollection<ContentRecord> contents,
        long nowNs,
        Func<string, bool> isOwnerAlive,
        Func<Digest, bool> isContentPresent) =>
        _snapshots.CommitPulled(name, version, files, contents, nowNs, isOwnerAlive, isContentPresent);

    public void DeletePending(long snapshotId) => _snapshots.DeletePending(snapshotId);

    public SnapshotRecord? FindCommitted(string name, string version) => _snapshots.FindCommitted(name, version);

    public (SnapshotRecord Snapshot, byte[]? ListKey)? FindCommittedWithListKey(string name, string version) =>
        _snapshots.FindCommittedWithListKey(name, version);

    public List<(string Version, long CreatedNs)> ListVersions(string name) => _snapshots.ListVersions(name);

    public List<SnapshotSummary> ListCommitted(string? name = null, string? version = null) => _snapshots.ListCommitted(name, version);

    public DeletedSnapshot? DeleteCommitted(string name, string version) => _snapshots.DeleteCommitted(name, version);

    public void Touch(long snapshotId, long nowNs) => _snapshots.Touch(snapshotId, nowNs);

    public List<FileRecord> GetFiles(long snapshotId) => _lists.GetFiles(snapshotId);

    /// <inheritdoc cref="FileLists.EnumerateFiles"/>
    public IEnumerable<FileRecord> EnumerateFiles(long snapshotId) => _lists.EnumerateFiles(snapshotId);

    public long CreateLease(string owner, string purpose, long nowNs) => _leases.CreateLease(owner, purpose, nowNs);

    public SnapshotRecord? PinCommitted(long leaseId, string name, string version) => _leases.PinCommitted(leaseId, name, version);

    public void PinContent(long leaseId, IEnumerable<Digest> digests) => _leases.PinContent(leaseId, digests);

    public void DeleteLease(long leaseId) => _leases.DeleteLease(leaseId);

    public int DeleteDeadLeases(Func<string, bool> isOwnerAlive, bool delete = true) => _leases.DeleteDeadLeases(isOwnerAlive, delete);

    /// <inheritdoc cref="RememberedDigests.Find"/>
    public void FindRememberedDigests(string boot, IReadOnlyList<(ulong Device, ulong Inode)> inodes, Action<int, RememberedDigest> found) =>
        _remembered.Find(boot, inodes, found);

    public void SaveRememberedDigests(
        string boot,
        IReadOnlyCollection<RememberedDigest> learned,
        IReadOnlyCollection<FileIdentity> used,
        IReadOnlyCollection<FileIdentity> withoutXattrs,
        long nowNs,
        int maxEntries) =>
        _remembered.Save(boot, learned, used, withoutXattrs, nowNs, maxEntries);

    public long CountRememberedDigests() => _remembered.Count();

    public int ForgetRememberedDigests() => _remembered.ForgetAll();

    public List<Digest> NotUploaded(IEnumerable<Digest> digests, string location) => _uploads.NotUploaded(digests, location);

    public void MarkUploaded(IEnumerable<Digest> digests, string location, long nowNs) => _uploads.MarkUploaded(digests, location, nowNs);

    public GcInventory ReadInventory(Func<string, bool> isOwnerAlive) => _gc.ReadInventory(isOwnerAlive);

    public Dictionary<Digest, (ContentRecord Record, long CreatedNs)> ReadContent() => _gc.ReadContent();

    public HashSet<Digest> ReferencedDigests() => _gc.ReferencedDigests();

    public HashSet<long> DeleteSnapshots(IReadOnlyList<SnapshotUsage> victims, Func<string, bool> isOwnerAlive) => _gc.DeleteSnapshots(victims, isOwnerAlive);

    public List<ContentRecord> ReleaseUnreferenced(IReadOnlyList<Digest> candidates, Func<string, bool> isOwnerAlive, Action<Digest> removeFiles, CancellationToken cancellation = default) =>
        _gc.ReleaseUnreferenced(candidates, isOwnerAlive, removeFiles, cancellation);

    public List<string> CheckIntegrity() => _database.CheckIntegrity();

    public void TruncateLog() => _database.TruncateLog();
}
