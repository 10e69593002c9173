using Snapshotter.Catalogs;
using Snapshotter.Content;
using Snapshotter.Diagnostics;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Providers;
using Snapshotter.Verify;

namespace Snapshotter.Engine;

/// <summary>
/// An open store: the object behind a snapshotter handle. Safe for concurrent calls. <see cref="Dispose"/>
/// cancels the calls in flight, waits for them to return (with <see cref="ErrorCode.Closed"/>), then
/// releases everything; calls made afterwards fail with <see cref="ErrorCode.Closed"/>. Unless turned off, a
/// background collector runs every <see cref="GcOptions.Interval"/> until then.
/// </summary>
public sealed class SnapshotEngine : IDisposable
{
    private readonly EngineContext _context;
    private readonly GarbageCollector _collector;
    private readonly CancellationTokenSource _closing = new();
    private readonly object _gate = new();
    private readonly Task? _background;
    private int _inFlight;
    private bool _closed;
    private long _backgroundRuns;

    private SnapshotEngine(EngineContext context, string rootDir, GcOptions gc, IDiskUsage disk)
    {
        _context = context;
        RootDir = rootDir;
        _collector = new GarbageCollector(context.Store, context.Metadata, context.Recovery, context.IsOwnerAlive, context.RemoveDeadOwners, context.Time, context.MetadataDir, gc, disk);
        if (gc.Background)
        {
            _background = Task.Factory.StartNew(() => CollectInBackground(gc.Interval), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    public string RootDir { get; }

    /// <summary>What operations above the engine (the lifecycle) share with its own.</summary>
    internal EngineContext Context => _context;

    /// <summary>How many background collections have finished (run or found another collector at work).</summary>
    internal long BackgroundRuns => Interlocked.Read(ref _backgroundRuns);

    /// <summary>The outcome of the latest background collection: its report, or why it failed (retried at the next interval).</summary>
    internal GcReport? LastBackgroundReport { get; private set; }

    internal SnapshotterException? LastBackgroundError { get; private set; }

    public static SnapshotEngine Open(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            if (string.IsNullOrEmpty(options.RootDir))
            {
                throw SnapshotterException.InvalidArgument("root_dir is required");
            }

            if (options.Concurrency is < 1 or > EngineOptions.MaxConcurrency)
            {
                throw SnapshotterException.InvalidArgument($"concurrency {options.Concurrency} is out of range 1..{EngineOptions.MaxConcurrency}");
            }

            options.Gc.Validate();

            if (options.ContentDirectory is not null && options.Dragonfly is not null)
            {
                throw SnapshotterException.InvalidArgument(
                    "content.dir and the Dragonfly settings (content.dfdaemon, content.provider, content.bucket, ...) exclude each other: set one or the other");
            }

            if (options.Dragonfly is { } settings)
            {
                DragonflyContentProvider.Validate(settings);
            }

            if (UnixPath.TryStat(options.RootDir, followSymlinks: true) is { IsDirectory: false })
            {
                throw SnapshotterException.InvalidArgument($"root_dir '{options.RootDir}' is not a directory");
            }

            // Options are checked before anything is created: a refused open leaves no trace. (Dragonfly's
            // settings were checked above; its provider maps paths below the resolved root, so it is made once
            // the root exists.)
            IContentProvider? contentProvider = options.ContentDirectory is { } dir ? new DirectoryContentProvider(dir) : null;
            IRemoteCatalog? catalog = options.Registry is { } registry ? RemoteCatalogs.Open(registry, options.Time) : null;
            OwnerLock? owner = null;
            try
            {
                UnixPath.CreateDirectories(options.RootDir);
                string rootDir = UnixPath.RealPath(options.RootDir);
                string metadataDir = Path.Join(rootDir, "metadata");
                string ownersDir = Path.Join(metadataDir, EngineContext.OwnersDirName);
                UnixPath.CreateDirectories(metadataDir);
                if (options.Dragonfly is { } dragonfly)
                {
                    contentProvider = new DragonflyContentProvider(dragonfly, rootDir);
                }

                owner = OwnerLock.Acquire(ownersDir);
                // On a full filesystem SQLite could not even open its shared-memory file: deleting and collecting need that.
                SpaceReserve.ReleaseIfLow(metadataDir);
                var store = new ContentStore(rootDir, owner.Token);
                MetadataStore metadata = new RecoveryRecords(rootDir, metadataDir, owner.Token).OpenIndex(metadataDir, () => ContentStore.StoredDigests(store.ContentDir).Any());
                var context = new EngineContext(store, metadata, owner, metadataDir, contentProvider, catalog, options.Time, options.Concurrency);
                Recover(context);
                SpaceReserve.Ensure(metadataDir);
                return new SnapshotEngine(context, rootDir, options.Gc, options.DiskUsage ?? new StatFsDiskUsage(rootDir));
            }
            catch
            {
                owner?.Dispose();
                catalog?.Dispose();
                (contentProvider as IDisposable)?.Dispose();
                throw;
            }
        }
        catch (Exception e)
        {
            throw Failure.Translate(e, $"open '{options.RootDir}'", closing: false);
        }
    }

    /// <summary>
    /// What handles that died (killed, power loss) left: their pending snapshots, leases, temporary files and lock files
    /// (also of those that died before recording anything), and recovery records a crash kept from being written (or,
    /// on the first open of a store made before records existed, all of them). Temporary
    /// files are looked for only when a dead owner's lock file is there: listing the store's directories costs as much
    /// as the store is large, and every open would pay it; so the dead owners' lock files are removed once their
    /// leftovers are. Those of an owner that died meanwhile, whose lock file this removes with the others, are left to
    /// the collector, which sweeps them with the other leftovers.
    /// </summary>
    private static void Recover(EngineContext context)
    {
        bool ownerDied = OwnerLock.AnyDead(context.OwnersDir);
        context.Metadata.DeleteAbandonedPending(context.IsOwnerAlive);
        context.Metadata.DeleteDeadLeases(context.IsOwnerAlive);
        if (ownerDied)
        {
            context.Store.DeleteAbandonedTemps(context.IsOwnerAlive);
            context.Recovery.DeleteAbandonedTemps(context.IsOwnerAlive, long.MinValue);
            context.RemoveDeadOwners();
        }

        context.Recovery.WriteMissing(context.Metadata);
    }

    public OperationStats Snapshot(SnapshotRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"snapshot '{request.Name}:{request.Version}'", cancellation, token => new SnapshotOperation(_context, request, token).Run());
    }

    public OperationStats Restore(RestoreRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"restore '{request.Target}'", cancellation, token => new RestoreOperation(_context, request, token).Run());
    }

    /// <summary>Local snapshots, all or those named <paramref name="name"/>, ordered by name and creation time.</summary>
    public IReadOnlyList<SnapshotInfo> List(string? name = null, bool remote = false, CancellationToken cancellation = default) =>
        Run("list snapshots", cancellation, token => Catalog.List(_context, name, remote, token));

    /// <summary>One snapshot and its files, with whether each file's content is in the local store.</summary>
    public SnapshotDetails Inspect(SnapshotReference reference, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Run($"inspect '{reference}'", cancellation, token => Catalog.Inspect(_context, reference, token));
    }

    /// <summary>What differs from a snapshot to another snapshot or to a directory, ordered by path.</summary>
    public IReadOnlyList<DiffEntry> Diff(DiffRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"diff {request.Target}", cancellation, token => new DiffOperation(_context, request, token).Run());
    }

    /// <summary>Exports a snapshot as a tar stream or as a directory.</summary>
    public OperationStats Export(ExportRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"export {request.Target}", cancellation, token => new ExportOperation(_context, request, token).Run());
    }

    /// <summary>Imports a snapshot from a tar stream or an export directory, verifying every digest first.</summary>
    public ImportResult Import(ImportRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"import from {request.Source}", cancellation, token => new ImportOperation(_context, request, token).Run());
    }

    /// <summary>Deletes a local snapshot and the content no other snapshot references; with
    /// <paramref name="remote"/>, first the manifest the remote catalog tags it with.</summary>
    public DeleteStats Delete(SnapshotReference reference, bool remote = false, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Run($"delete '{reference}'", cancellation, token => Catalog.Delete(_context, reference, remote, token));
    }

    /// <summary>Runs one collection now (waiting for one in progress in another handle or process), or with
    /// <paramref name="dryRun"/> only reports what it would do.</summary>
    public GcReport Collect(bool dryRun, CancellationToken cancellation = default) =>
        Run(dryRun ? "plan garbage collection" : "collect garbage", cancellation, token => _collector.Collect(dryRun, token));

    /// <summary>Checks the whole store, repairing what can be repaired when asked.</summary>
    public VerifyReport Verify(VerifyRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run(request.Repair ? "verify and repair the store" : "verify the store", cancellation, token =>
            new StoreVerifier(_context.Store, _context.Metadata,
                new IndexRebuild(_context.Store, _context.Metadata, _context.Recovery, _context.Owner.Token, _context.IsOwnerAlive, _context.NowNs), _context.ContentProvider, _context.IsOwnerAlive, _context.RemoveDeadOwners, _context.Time, _context.MetadataDir, request, token).Run());
    }

    private void CollectInBackground(TimeSpan interval)
    {
        while (true)
        {
            try
            {
                Task.Delay(interval, _context.Time, _closing.Token).Wait();
            }
            catch (AggregateException)
            {
                return;
            }

            try
            {
                GcReport? report = Run("background garbage collection", CancellationToken.None, token => _collector.TryCollect(token));
                LogBackgroundCollection(report);
                LastBackgroundReport = report ?? LastBackgroundReport;
                LastBackgroundError = null;
            }
            catch (SnapshotterException e) when (e.Code == ErrorCode.Closed)
            {
                return;
            }
            catch (SnapshotterException e)
            {
                LastBackgroundError = e;
                // No caller waits for a background collection: the log is the only place its failure shows.
                LibraryLog.Write(LogLevel.Error, $"background garbage collection of '{RootDir}' failed ({e.Code}), retried in {interval}: {e.Message}");
            }

            Interlocked.Increment(ref _backgroundRuns);
        }
    }

    private void LogBackgroundCollection(GcReport? report)
    {
        if (report is null)
        {
            LibraryLog.Write(LogLevel.Debug, $"background garbage collection of '{RootDir}': another collector is at work");
        }
        else if (report.Evicted.Count > 0 || report.ContentRemoved > 0 || report.OrphanBytesFreed > 0 || report.OrphanRecords > 0)
        {
            LibraryLog.Write(LogLevel.Info, $"background garbage collection of '{RootDir}': evicted {report.Evicted.Count} snapshot(s), " +
                $"removed {report.ContentRemoved} content object(s) and {report.OrphanTempFiles + report.OrphanContent + report.OrphanSnapshotFiles} orphan file(s), " +
                $"freed {report.ContentBytesFreed + report.OrphanBytesFreed} bytes");
        }
        else
        {
            LibraryLog.Write(LogLevel.Debug, $"background garbage collection of '{RootDir}': nothing to collect");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _closing.Cancel();
            while (_inFlight > 0)
            {
                Monitor.Wait(_gate);
            }
        }

        _background?.Wait();
        _closing.Dispose();
        // Downloads shared between calls end (and clean up their staging directories) while the owner still lives.
        _context.Fetches?.Dispose();
        (_context.ContentProvider as IDisposable)?.Dispose();
        _context.RemoteCatalog?.Dispose();
        _context.Metadata.CloseIdleConnections();
        _context.Owner.Dispose();
    }

    /// <summary>Runs one call of this handle: refused once it is closed, waited for by <see cref="Dispose"/>, cancelled by
    /// either token, its failure translated for the caller.</summary>
    internal T Run<T>(string operation, CancellationToken cancellation, Func<CancellationToken, T> body)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new SnapshotterException(ErrorCode.Closed, $"{operation}: the handle is closed");
            }

            _inFlight++;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _closing.Token);
            return body(linked.Token);
        }
        catch (Exception e)
        {
            throw Failure.Translate(e, operation, _closing.IsCancellationRequested);
        }
        finally
        {
            lock (_gate)
            {
                if (--_inFlight == 0)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }
}
