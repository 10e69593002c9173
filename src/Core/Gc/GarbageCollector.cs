using Snapshotter.Content;
using Snapshotter.Formats;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;

namespace Snapshotter.Gc;

/// <summary>
/// One collection of a store. Collections of one root directory exclude each other across processes (a lock
/// file under metadata/), so two collectors never both evict for the same disk pressure. A collection
/// drops the records dead owners left, evicts in batches (deleting the snapshots' metadata first, then the
/// content they alone referenced), then removes orphans found by scanning the store. A dry run plays the
/// same plan forward without touching anything, projecting disk usage from the bytes it would free.
/// </summary>
internal sealed class GarbageCollector
{
    public const string LockFileName = "collector.lock";

    private readonly ContentStore _store;
    private readonly MetadataStore _metadata;
    private readonly RecoveryRecords _recovery;
    private readonly Func<string, bool> _isOwnerAlive;
    private readonly Action _removeDeadOwners;
    private readonly TimeProvider _time;
    private readonly GcOptions _options;
    private readonly IDiskUsage _disk;
    private readonly string _metadataDir;

    /// <param name="isOwnerAlive">Whether the handle that left a record or temporary file with this owner token is still open.</param>
    /// <param name="removeDeadOwners">Removes the lock files of handles that died, once their leftovers are gone.</param>
    /// <param name="metadataDir">Where the collector's lock file lives, beside the database and its space reserve.</param>
    public GarbageCollector(ContentStore store, MetadataStore metadata, RecoveryRecords recovery, Func<string, bool> isOwnerAlive, Action removeDeadOwners, TimeProvider time, string metadataDir, GcOptions options, IDiskUsage disk)
    {
        _recovery = recovery;
        _store = store;
        _metadata = metadata;
        _isOwnerAlive = isOwnerAlive;
        _removeDeadOwners = removeDeadOwners;
        _time = time;
        _metadataDir = metadataDir;
        LockPath = Path.Join(metadataDir, LockFileName);
        _options = options;
        _disk = disk;
    }

    public string LockPath { get; }

    /// <summary>Runs a collection, waiting for one in progress elsewhere to finish.</summary>
    public GcReport Collect(bool dryRun, CancellationToken cancellation)
    {
        using FileLock held = FileLock.Acquire(LockPath, cancellation);
        return CollectLocked(dryRun, cancellation);
    }

    /// <summary>Runs a collection unless another is in progress (then returns null: that one does the work).</summary>
    public GcReport? TryCollect(CancellationToken cancellation)
    {
        using FileLock? held = FileLock.TryAcquire(LockPath);
        return held is null ? null : CollectLocked(dryRun: false, cancellation);
    }

    private GcReport CollectLocked(bool dryRun, CancellationToken cancellation)
    {
        Func<string, bool> isAlive = _isOwnerAlive;
        long nowNs = _time.GetUnixTimeNs();
        _recovery.EnsureIndexIsCurrent(_metadata, dryRun ? "garbage collection plan" : "garbage collection");
        if (!dryRun)
        {
            SpaceReserve.ReleaseIfLow(_metadataDir);
        }

        // Abandoned temporary files first: removing them needs no metadata written, and on a full disk their space is
        // what the deletions below write their metadata into.
        var orphans = new OrphanTally();
        RemoveAbandonedTemps(nowNs, dryRun, orphans, cancellation);
        long records = _metadata.DeleteAbandonedPending(isAlive, delete: !dryRun) + _metadata.DeleteDeadLeases(isAlive, delete: !dryRun);

        GcInventory inventory = _metadata.ReadInventory(isAlive);
        DiskUsage before = _disk.Measure();
        long storeBytes = inventory.StoreBytes;
        GcTriggers triggers = GcTriggers.At(_options, before, storeBytes);
        var evicted = new List<EvictedSnapshot>();
        DiskUsage usage = before;
        int batches = 0;
        for (; batches < _options.MaxBatches; batches++)
        {
            cancellation.ThrowIfCancellationRequested();
            List<PlannedEviction> batch = GcPlanner.NextBatch(inventory, usage, nowNs, _options, triggers);
            if (batch.Count == 0)
            {
                break;
            }

            if (dryRun)
            {
                evicted.AddRange(batch.Select(e => Evicted(e, e.FreedContent)));
                usage = usage.Freed(batch.Sum(e => e.FreedBytes));
            }
            else
            {
                evicted.AddRange(Evict(batch, isAlive, cancellation));
                usage = _disk.Measure();
            }
        }

        orphans.Records += records;
        RemoveOrphans(inventory, nowNs, dryRun, orphans, cancellation);
        if (!dryRun)
        {
            SpaceReserve.Restore(_metadata, _metadataDir);
            _recovery.DeleteAbandonedTemps(_isOwnerAlive, GraceCutoffNs(nowNs));
            // Victims a batch skipped after their records went (used or pinned meanwhile) get them back here.
            _recovery.WriteMissing(_metadata);
        }

        return new GcReport
        {
            DryRun = dryRun,
            DiskUsage = before,
            StoreBytes = storeBytes,
            Batches = batches,
            Evicted = evicted,
            ContentRemoved = evicted.Sum(e => e.ContentRemoved),
            ContentBytesFreed = evicted.Sum(e => e.BytesFreed),
            OrphanTempFiles = orphans.TempFiles,
            OrphanContent = orphans.Content,
            OrphanSnapshotFiles = orphans.SnapshotFiles,
            OrphanRecords = orphans.Records,
            OrphanBytesFreed = orphans.Bytes,
        };
    }

    /// <summary>Metadata first (one transaction for the batch), then the content the deleted snapshots alone
    /// referenced. What changed since the plan (used again, pinned, referenced anew) is skipped.</summary>
    private List<EvictedSnapshot> Evict(List<PlannedEviction> batch, Func<string, bool> isAlive, CancellationToken cancellation)
    {
        // Records before metadata, as a delete does (see RecoveryRecords).
        HashSet<long> deleted;
        using (_recovery.Lock())
        {
            foreach (PlannedEviction eviction in batch)
            {
                _recovery.Delete(eviction.Snapshot.Name, eviction.Snapshot.Version);
            }

            deleted = _metadata.DeleteSnapshots(batch.Select(e => e.Snapshot).ToList(), isAlive);
        }

        List<PlannedEviction> done = batch.Where(e => deleted.Contains(e.Snapshot.Id)).ToList();
        List<Digest> candidates = done.SelectMany(e => e.FreedContent.Select(c => c.Digest)).ToList();
        var removed = _metadata.ReleaseUnreferenced(candidates, isAlive, _store.Remove, cancellation)
            .Select(r => r.Digest)
            .ToHashSet();
        return done.Select(e => Evicted(e, e.FreedContent.Where(c => removed.Contains(c.Digest)).ToList())).ToList();
    }

    private static EvictedSnapshot Evicted(PlannedEviction eviction, IReadOnlyCollection<(Digest Digest, long Bytes)> removed) =>
        new(eviction.Snapshot.Name, eviction.Snapshot.Version, eviction.Reason, eviction.Snapshot.LastUsedNs, removed.Count, removed.Sum(c => c.Bytes));

    private sealed class OrphanTally
    {
        public long TempFiles { get; set; }

        public long Content { get; set; }

        public long SnapshotFiles { get; set; }

        public long Records { get; set; }

        public long Bytes { get; set; }
    }

    private long GraceCutoffNs(long nowNs) => nowNs - _options.OrphanGracePeriod.Ticks * TimeSpan.NanosecondsPerTick;

    /// <summary>Temporary files of dead owners, and foreign ones past the grace period; then the dead owners' lock
    /// files.</summary>
    private void RemoveAbandonedTemps(long nowNs, bool dryRun, OrphanTally tally, CancellationToken cancellation)
    {
        long graceCutoffNs = GraceCutoffNs(nowNs);
        foreach (ContentStore.TempEntry temp in _store.TempEntries())
        {
            cancellation.ThrowIfCancellationRequested();
            if (UnixPath.TryStat(temp.Path, followSymlinks: false) is not { } status)
            {
                continue;
            }

            bool abandoned = temp.OwnerToken is { } token ? !_isOwnerAlive(token) : status.ChangeTimeNs <= graceCutoffNs;
            if (abandoned)
            {
                tally.TempFiles++;
                tally.Bytes += TreeBytes(temp.Path, status);
                if (!dryRun)
                {
                    UnixPath.DeleteTree(temp.Path);
                }
            }
        }

        if (!dryRun)
        {
            _removeDeadOwners();
        }
    }

    /// <summary>
    /// Every digest the store has a file or a record for that no snapshot references and no live lease pins, once its
    /// newest file or record is older than the grace period. Never the last copy of referenced data.
    /// </summary>
    private void RemoveOrphans(GcInventory inventory, long nowNs, bool dryRun, OrphanTally tally, CancellationToken cancellation)
    {
        long graceCutoffNs = GraceCutoffNs(nowNs);
        HashSet<Digest> referenced = _metadata.ReferencedDigests();
        var records = _metadata.ReadContent();
        var known = new HashSet<Digest>(records.Keys);
        known.UnionWith(ContentStore.StoredDigests(_store.ContentDir));
        known.UnionWith(ContentStore.StoredDigests(_store.SnapshotDir));
        var orphans = new List<Digest>();
        foreach (Digest digest in known)
        {
            if (referenced.Contains(digest) || inventory.IsPinned(digest))
            {
                continue;
            }

            long newestNs = Math.Max(ChangeTimeNs(_store.ContentPath(digest)), ChangeTimeNs(_store.SnapshotPath(digest)));
            if (newestNs == long.MinValue && records.TryGetValue(digest, out var record))
            {
                newestNs = record.CreatedNs;
            }

            if (newestNs <= graceCutoffNs)
            {
                orphans.Add(digest);
            }
        }

        if (dryRun)
        {
            foreach (Digest digest in orphans)
            {
                Tally(digest, tally);
            }
        }
        else
        {
            _metadata.ReleaseUnreferenced(orphans, _isOwnerAlive, digest =>
            {
                Tally(digest, tally);
                _store.Remove(digest);
            }, cancellation);
        }
    }

    /// <summary>Counts what removing a digest's files frees; a storage/snapshot file frees space only when it is its inode's last link.</summary>
    private void Tally(Digest digest, OrphanTally tally)
    {
        FileStatus? content = UnixPath.TryStat(_store.ContentPath(digest), followSymlinks: false);
        FileStatus? snapshot = UnixPath.TryStat(_store.SnapshotPath(digest), followSymlinks: false);
        long bytes = 0;
        if (content is { } c)
        {
            tally.Content++;
            bytes += c.Size;
        }

        if (snapshot is { } s)
        {
            tally.SnapshotFiles++;
            bytes += s.LinkCount == 1 ? s.Size : 0;
        }

        if (content is null && snapshot is null)
        {
            tally.Records++;
        }

        tally.Bytes += bytes;
    }

    private static long ChangeTimeNs(string path) =>
        UnixPath.TryStat(path, followSymlinks: false) is { } status ? status.ChangeTimeNs : long.MinValue;

    private static long TreeBytes(string path, in FileStatus status) =>
        status.IsDirectory
            ? Directory.EnumerateFiles(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Sum(f => new FileInfo(f).Length)
            : status.Size;
}
