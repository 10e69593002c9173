using System.Globalization;
using Snapshotter.Diagnostics;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Progress;

namespace Snapshotter.Lifecycle;

/// <summary>
/// containerd's snapshot lifecycle over an open store (containerd's snapshots.Snapshotter): views and actives made from
/// a committed parent or from nothing, mounted by the caller as the mounts returned; actives committed under a name as
/// snapshots of the store like any other; removal, stat, label updates, disk usage and walks. Safe for concurrent calls,
/// from any number of handles and processes: every change is one metadata transaction (see
/// <see cref="LifecycleRecords"/>). See docs/containerd.md for the layout and why.
/// </summary>
public sealed class LifecycleSnapshots
{
    /// <summary>The snapshot name a commit records its files under unless told another.</summary>
    public const string DefaultSnapshotName = "lifecycle";

    private readonly SnapshotEngine _engine;
    private readonly EngineContext _context;
    private readonly LifecycleRecords _records;
    private readonly LayerDirectories _directories;

    public LifecycleSnapshots(SnapshotEngine engine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _context = engine.Context;
        _records = _context.Metadata.Lifecycle;
        _directories = new LayerDirectories(engine.RootDir);
    }

    /// <summary>A new active snapshot <paramref name="key"/> over the committed <paramref name="parent"/> (or over
    /// nothing), and the mounts that give its writable tree. Costs the same whatever the parent holds.</summary>
    public IReadOnlyList<LifecycleMount> Prepare(string key, string? parent, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellation = default) =>
        Create(LifecycleKind.Active, key, parent, labels, cancellation);

    /// <summary>A new view <paramref name="key"/> of the committed <paramref name="parent"/>: read-only mounts.</summary>
    public IReadOnlyList<LifecycleMount> View(string key, string? parent, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellation = default) =>
        Create(LifecycleKind.View, key, parent, labels, cancellation);

    /// <summary>The mounts of the active or view <paramref name="key"/> (a committed snapshot has none: FAILED_PRECONDITION).</summary>
    public IReadOnlyList<LifecycleMount> Mounts(string key, CancellationToken cancellation = default) =>
        _engine.Run($"mounts of '{key}'", cancellation, _ =>
        {
            LifecycleRecord record = Find(key);
            if (record.Kind == LifecycleRecords.CommittedKind)
            {
                throw SnapshotterException.FailedPrecondition($"'{key}' is committed: only actives and views have mounts");
            }

            return MountsOf(record);
        });

    /// <summary>
    /// Commits the active <paramref name="key"/> (unmounted by the caller) as the committed snapshot
    /// <paramref name="name"/>, whose parent is the active's parent; the active is gone. Its directory becomes the
    /// layer children mount. The files it changed are stored (content found stored already is not stored again), and
    /// the layer's files (its parent's as it changed them) are recorded as snapshot
    /// <paramref name="snapshotName"/>:<paramref name="snapshotVersion"/> (by default lifecycle:ID), a delta over the
    /// parent's: restored, exported and published like any other snapshot. A view or a committed snapshot is
    /// FAILED_PRECONDITION, a name in use ALREADY_EXISTS; a refused or failed commit changes nothing.
    /// </summary>
    public OperationStats Commit(
        string name,
        string key,
        IReadOnlyDictionary<string, string>? labels = null,
        string? snapshotName = null,
        string? snapshotVersion = null,
        Action<ProgressReport>? progress = null,
        CancellationToken cancellation = default) =>
        _engine.Run($"commit '{key}' as '{name}'", cancellation, token =>
        {
            RequireKey(name, "name");
            LifecycleRecord active = Find(key);
            if (active.Kind != LifecycleRecords.ActiveKind)
            {
                throw SnapshotterException.FailedPrecondition($"'{key}' is {LifecycleRecords.KindName(active.Kind)}: only active snapshots can be committed");
            }

            SortedDictionary<string, string> kept = Labels.Validate(labels, name);
            if (_records.Find(name) is not null)
            {
                throw SnapshotterException.AlreadyExists($"lifecycle snapshot '{name}' already exists");
            }

            long? parentSnapshot = active.ParentKey is { } parentKey ? _records.Find(parentKey)?.SnapshotId : null;
            string tree = _directories.Tree(active.Id);
            LayerChanges changes = LayerChanges.Read(tree, token);
            List<FileRecord> inherited = parentSnapshot is { } parentId
                ? _context.Metadata.GetFiles(parentId).Where(f => changes.Keeps(f.RelativePath)).ToList()
                : [];
            var request = new SnapshotRequest
            {
                Name = snapshotName ?? DefaultSnapshotName,
                Version = snapshotVersion ?? active.Id.ToString(CultureInfo.InvariantCulture),
                BaseDir = tree,
                Files = changes.Files.Select(f => new FileSpec(f, ReadOnly: false)).ToList(),
                AllowEmpty = true,
                Progress = progress,
                InheritedFiles = inherited,
                CompleteRecords = changes.Complete,
                Lifecycle = new LifecycleCommit(active.Id, key, name, kept, parentSnapshot),
            };
            OperationStats stats = new SnapshotOperation(_context, request, token).Run();
            RemoveWorkDirectory(active.Id);
            return stats;
        });

    /// <summary>
    /// Removes what is left on disk of the removed snapshot <paramref name="id"/>, and what crashes left of others. The
    /// snapshot is gone once its row is: a directory that cannot be removed now (still mounted, say) fails nothing and
    /// goes with a later removal's sweep.
    /// </summary>
    private void RemoveDirectories(long id)
    {
        try
        {
            _directories.Remove(id);
            _records.SweepUnrecorded(_directories.Sweep);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SnapshotterException)
        {
            LibraryLog.Write(LogLevel.Warning, $"lifecycle snapshot {id} is removed, but not yet its directory, which a later removal sweeps: {e.Message}");
        }
    }

    /// <summary>A committed layer is only ever a lower directory: its overlay work directory has done its job. Failing to
    /// remove it fails nothing (the commit is made); it goes with the layer.</summary>
    private void RemoveWorkDirectory(long id)
    {
        try
        {
            _directories.RemoveWork(id);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SnapshotterException)
        {
            LibraryLog.Write(LogLevel.Warning, $"lifecycle snapshot {id}: its overlay work directory stays until it is removed: {e.Message}");
        }
    }

    public LifecycleInfo Stat(string key, CancellationToken cancellation = default) =>
        _engine.Run($"stat '{key}'", cancellation, _ => Info(Find(key)));

    /// <summary>
    /// Changes the labels of <paramref name="key"/> as containerd's Update does: without <paramref name="fieldPaths"/>
    /// they become <paramref name="labels"/>; "labels" replaces them all, "labels.NAME" sets (or, absent from
    /// <paramref name="labels"/>, removes) one. Other fields cannot change: INVALID_ARGUMENT, nothing changed.
    /// </summary>
    public LifecycleInfo Update(string key, IReadOnlyDictionary<string, string>? labels, IReadOnlyList<string>? fieldPaths = null, CancellationToken cancellation = default) =>
        _engine.Run($"update '{key}'", cancellation, _ =>
        {
            RequireKey(key, "key");
            return Info(_records.Update(key, current => Labels.Update(key, current, labels, fieldPaths), _context.NowNs));
        });

    /// <summary>Every lifecycle snapshot <paramref name="filter"/> keeps, ordered by key.</summary>
    public IReadOnlyList<LifecycleInfo> Walk(LifecycleFilter? filter = null, CancellationToken cancellation = default) =>
        _engine.Run("walk lifecycle snapshots", cancellation, _ =>
        {
            filter ??= new LifecycleFilter();
            return _records.List()
                .Where(r => filter.Kind is not { } kind || r.Kind == (int)kind)
                .Where(r => filter.Parent is null || r.ParentKey == filter.Parent)
                .Where(r => filter.LabelKey is null || (r.Labels.TryGetValue(filter.LabelKey, out string? value) && (filter.LabelValue is null || value == filter.LabelValue)))
                .Select(Info)
                .ToList();
        });

    /// <summary>
    /// Removes <paramref name="key"/> and its directory (FAILED_PRECONDITION while it has children); a committed one
    /// with the snapshot it was recorded as, and the content nothing else references. The caller unmounts first.
    /// </summary>
    public void Remove(string key, CancellationToken cancellation = default) =>
        _engine.Run($"remove '{key}'", cancellation, _ =>
        {
            LifecycleRecord found = Find(key);
            (LifecycleRecord removed, DeletedSnapshot? snapshot) = found.SnapshotName is { } name && found.SnapshotVersion is { } version
                ? RemoveCommitted(key, name, version)
                : _records.Remove(key);
            RemoveDirectories(removed.Id);
            if (snapshot is not null)
            {
                _context.Metadata.ReleaseUnreferenced(snapshot.Digests, _context.IsOwnerAlive, _context.Store.Remove);
            }

            return true;
        });

    /// <summary>The disk the directory of <paramref name="key"/> takes: an active's changes, a committed snapshot's layer
    /// (a view has none of its own).</summary>
    public LifecycleUsage Usage(string key, CancellationToken cancellation = default) =>
        _engine.Run($"usage of '{key}'", cancellation, token =>
        {
            LifecycleRecord record = Find(key);
            string tree = _directories.Tree(record.Id);
            if (record.Kind == LifecycleRecords.ViewKind || UnixPath.TryStat(tree, followSymlinks: false) is not { } top)
            {
                return new LifecycleUsage(0, 0);
            }

            using UnixDirectory directory = UnixDirectory.Open(tree);
            var inodes = new HashSet<(ulong, ulong)> { (top.Device, top.Inode) };
            long bytes = top.AllocatedBytes;
            foreach (FileStatus status in TreeWalk.Collect(directory, token).Values)
            {
                if (inodes.Add((status.Device, status.Inode)))
                {
                    bytes += status.AllocatedBytes;
                }
            }

            return new LifecycleUsage(bytes, inodes.Count);
        });

    private IReadOnlyList<LifecycleMount> Create(LifecycleKind kind, string key, string? parent, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellation)
    {
        string verb = kind == LifecycleKind.View ? "view" : "prepare";
        return _engine.Run($"{verb} '{key}'", cancellation, _ =>
        {
            RequireKey(key, "key");
            if (parent is not null)
            {
                RequireKey(parent, "parent");
            }

            SortedDictionary<string, string> kept = Labels.Validate(labels, key);
            LifecycleRecord record = _records.Create(key, (int)kind, parent, kept, _context.NowNs,
                id => _directories.Create(id, withWork: kind == LifecycleKind.Active && parent is not null));
            return MountsOf(record);
        });
    }

    /// <summary>
    /// An active over nothing is its own tree, bind-mounted read-write; over a parent, an overlay of the parent chain's
    /// layers (newest first) under its own upper and work directories. A view of one layer is that layer bind-mounted
    /// read-only, of several a read-only overlay of them, of nothing its own empty tree. Lower layers are never written
    /// through an overlay (it copies a file up before changing it), which is what lets layers share the store's
    /// read-only inodes.
    /// </summary>
    private List<LifecycleMount> MountsOf(LifecycleRecord record)
    {
        List<long> chain = record.ParentId is { } parentId ? _records.Chain(parentId) : [];
        string lower = string.Join(':', chain.Select(_directories.Tree));
        if (record.Kind == LifecycleRecords.ActiveKind)
        {
            return chain.Count == 0
                ? [new LifecycleMount("bind", _directories.Tree(record.Id), ["rw", "rbind"])]
                : [new LifecycleMount("overlay", "overlay", [$"workdir={_directories.Work(record.Id)}", $"upperdir={_directories.Tree(record.Id)}", $"lowerdir={lower}"])];
        }

        return chain.Count switch
        {
            0 => [new LifecycleMount("bind", _directories.Tree(record.Id), ["ro", "rbind"])],
            1 => [new LifecycleMount("bind", _directories.Tree(chain[0]), ["ro", "rbind"])],
            _ => [new LifecycleMount("overlay", "overlay", [$"lowerdir={lower}"])],
        };
    }

    /// <summary>A committed snapshot goes with the snapshot it was recorded as: its recovery record first, as a delete
    /// of that snapshot does, so a crash never leaves a record of a snapshot whose content may be gone.</summary>
    private (LifecycleRecord Removed, DeletedSnapshot? Snapshot) RemoveCommitted(string key, string name, string version)
    {
        using (_context.Recovery.Lock())
        {
            if (_records.ChildCount(key) > 0)
            {
                throw SnapshotterException.FailedPrecondition($"lifecycle snapshot '{key}' has child snapshots: remove them first");
            }

            _context.Recovery.Delete(name, version);
            return _records.Remove(key);
        }
    }

    private LifecycleRecord Find(string key)
    {
        RequireKey(key, "key");
        return _records.Find(key) ?? throw SnapshotterException.NotFound($"lifecycle snapshot '{key}' does not exist");
    }

    private static LifecycleInfo Info(LifecycleRecord record) => new(
        record.Key,
        (LifecycleKind)record.Kind,
        record.ParentKey,
        record.Labels,
        record.CreatedNs,
        record.UpdatedNs,
        record.SnapshotName,
        record.SnapshotVersion);

    /// <summary>Keys are any non-empty text: stored, compared, never taken as a path.</summary>
    private static void RequireKey(string? key, string field)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw SnapshotterException.InvalidArgument($"{field} is required: a non-empty lifecycle snapshot key");
        }
    }
}
