using System.Buffers;
using System.Diagnostics;
using Snapshotter.Catalogs;
using Snapshotter.Content;
using Snapshotter.Diagnostics;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Identity;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Progress;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// One snapshot call. Everything is validated before anything is written; then name:version is reserved
/// as pending, every file is stored (new content under temporary names, placed in batches while storing goes on: see
/// <see cref="ContentPlacement"/>), the renames are made durable, and one transaction makes the snapshot visible.
/// Content found already stored is pinned by the call's lease before it is taken as stored (the store is checked
/// again after the pin), and new content a batch at a time before it is placed, so nothing the snapshot relies on can
/// be collected before the commit references it. Any failure drops the reservation and every
/// temporary file. A file whose identity is unchanged since a snapshot read it is not read again: its remembered
/// digest is taken when its content is still stored (see <see cref="IdentityCache"/> for when one is remembered).
/// </summary>
internal sealed class SnapshotOperation
{
    /// <summary>From this many entries a snapshot collects its garbage between phases (<see cref="CollectBetweenPhases"/>).
    /// At 20,000 files the peak was the same (45-46 MB) with and without the collections, which took some 50 ms of a
    /// 0.3-0.4 s snapshot of that tree unchanged.</summary>
    private const int CollectFromEntries = 50_000;

    /// <summary>See <see cref="CollectWhileStoring"/>.</summary>
    private const int CollectEveryFilesRead = 4096;

    private readonly EngineContext _context;
    private readonly SnapshotRequest _request;
    private readonly CancellationToken _cancellation;
    private readonly StatsCounter _stats = new();
    private readonly IdentityCache _identities;

    public SnapshotOperation(EngineContext context, SnapshotRequest request, CancellationToken cancellation)
    {
        _context = context;
        _request = request;
        _cancellation = cancellation;
        _identities = new IdentityCache(context.Metadata, context.Time);
    }

    public OperationStats Run()
    {
        long started = Stopwatch.GetTimestamp();
        NameRules.ValidateName(_request.Name);
        NameRules.ValidateVersion(_request.Version);
        SourceTree tree = Resolve();
        SourceFile[] sources = tree.Files;
        CollectBetweenPhases(tree);

        using var lease = Lease.Acquire(_context, $"snapshot {_request.Name}:{_request.Version}");
        long pendingId = _context.Metadata.InsertPending(_request.Name, _request.Version, _context.NowNs, _context.Owner.Token, _context.IsOwnerAlive);
        using var placement = new ContentPlacement(_context.Store, lease, _cancellation, _stats.FoundStored);
        try
        {
            CheckCatalog(tree);
            long totalBytes = sources.Sum(s => s.Status.Size);
            var progress = new ProgressTracker(_request.Progress, _context.Time, sources.Length, totalBytes);

            Dictionary<int, Digest> remembered = _request.Rehash ? [] : _identities.Recall(sources.Length, i => sources[i].Status, i => sources[i].ResolvedPath);
            lease.PinContent(remembered.Values);
            int read = 0;
            using (ContentStore.Lookup? stored = remembered.Count > 0 ? _context.Store.OpenLookup() : null)
            {
                BoundedParallel.For(sources.Length, _context.Concurrency, _cancellation, (i, token) =>
                {
                    if (!remembered.TryGetValue(i, out Digest digest) || !Reuse(sources[i], digest, stored!, progress))
                    {
                        Store(sources[i], lease, placement, progress, token);
                        CollectWhileStoring(tree, Interlocked.Increment(ref read));
                    }
                });
            }

            placement.Complete();
            CollectBetweenPhases(tree);
            UploadContent(tree);
            PushToCatalog(tree, placement);
            Commit(pendingId, tree, lease, placement);
            progress.Complete();
            return _stats.ToStats(tree.EntryCount, totalBytes, Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            placement.Dispose();
            TryDeletePending(pendingId);
            throw;
        }
    }

    /// <summary>
    /// A full, compacting collection where a phase of a large snapshot has just left its garbage: the walk of the tree
    /// (every name and path it built) and the storing of the files. Left to its own pace, set by what survives, the
    /// collector kept about twice the live heap: at 100,000 files of 512 B the peak went from about 120 MB to 99 MB with
    /// these two collections. An aggressive one also returns the memory it freed, which a forced one keeps committed:
    /// the next phase starts from the live heap (25 MB after the walk there, 45 MB kept before) instead of the height
    /// the last one reached. Below <see cref="CollectFromEntries"/> entries the heap is small and this is left to the
    /// collector.
    /// </summary>
    private static void CollectBetweenPhases(SourceTree tree)
    {
        if (tree.EntryCount >= CollectFromEntries)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    /// <summary>
    /// The same collection every <see cref="CollectEveryFilesRead"/> files read, in a snapshot of at least
    /// <see cref="CollectFromEntries"/> entries. Storing a file leaves a few kilobytes of garbage, and the young
    /// collections let some of it reach the older generations, which the collector left to grow: at 100,000 files of 512 B the heap grew from the 25 MB the tree holds to 53 MB
    /// while the live heap grew by 6 MB, most of it in the first 10,000 files. With a collection of some 30 MB every
    /// 4,096 files read (about 25 of them, 0.2 s of CPU against 9 s) the snapshot's peak was 61-64 MB instead of 71-72.
    /// </summary>
    private static void CollectWhileStoring(SourceTree tree, int filesRead)
    {
        if (filesRead % CollectEveryFilesRead == 0)
        {
            CollectBetweenPhases(tree);
        }
    }

    /// <summary>Checks every path before anything is written: canonical, unique, inside the base dir, and together a tree
    /// (see <see cref="SourceTree"/>).</summary>
    private SourceTree Resolve()
    {
        if (string.IsNullOrEmpty(_request.BaseDir))
        {
            throw SnapshotterException.InvalidArgument("base_dir is required");
        }

        string baseDir = UnixPath.ResolveDirectory(_request.BaseDir, "base_dir");
        if (UnixPath.TryStat(baseDir, followSymlinks: true) is not { IsDirectory: true })
        {
            throw SnapshotterException.InvalidArgument($"base_dir '{_request.BaseDir}' is not a directory");
        }

        IReadOnlyList<FileSpec> files = _request.Files ?? throw SnapshotterException.InvalidArgument("files is required");
        SourceTree tree = SourceTree.Resolve(baseDir, files, _context.Concurrency, _cancellation);

        // No files given and "." over an empty base dir alike: an empty snapshot is more often a mistake than meant.
        if (tree.EntryCount == 0 && !_request.AllowEmpty)
        {
            throw SnapshotterException.InvalidArgument(files.Count == 0
                ? $"no files given for snapshot '{_request.Name}:{_request.Version}': an empty snapshot must be asked for (allow empty)"
                : $"no files beneath the paths given for snapshot '{_request.Name}:{_request.Version}': an empty snapshot must be asked for (allow empty)");
        }

        return tree;
    }

    /// <summary>Every entry the snapshot records: the files (with their digests once stored: before, without), the
    /// hardlinks to them and the entries without content.</summary>
    private static RecordedEntries Recorded(SourceTree tree) => new(tree);

    /// <summary>
    /// The records of a tree's entries, in the tree's order, each made from the tree when it is read and let go by the
    /// reader: a snapshot holds its tree until it ends, and a record held beside each file for the commit was some 10 MB
    /// at 100,000 files, at the snapshot's peak.
    /// </summary>
    private sealed class RecordedEntries(SourceTree tree) : IReadOnlyList<FileRecord>
    {
        public int Count => tree.EntryCount;

        public FileRecord this[int index]
        {
            get
            {
                if (index < tree.Files.Length)
                {
                    return Record(tree.Files[index]);
                }

                index -= tree.Files.Length;
                if (index < tree.Links.Length)
                {
                    SourceLink link = tree.Links[index];
                    FileRecord leader = Record(tree.Files[link.Leader]);
                    return leader with { RelativePath = link.RelativePath, Type = EntryType.Hardlink, LinkTarget = leader.RelativePath };
                }

                return tree.Others[index - tree.Links.Length];
            }
        }

        /// <summary>The path of the entry at <paramref name="index"/>, without making a file's record (the hardlinks', few,
        /// are made).</summary>
        public string PathOf(int index) => index < tree.Files.Length ? tree.Files[index].RelativePath : this[index].RelativePath;

        public IEnumerator<FileRecord> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The content of every file stored, a record per file, in the order of their digests: the order the commit
    /// writes them in, which then needs no sorted copy of its own.</summary>
    private static ContentRecord[] Contents(SourceTree tree)
    {
        ContentRecord[] contents = [.. tree.Files.Select(f => new ContentRecord(f.Digest ?? throw new InvalidOperationException($"'{f.RelativePath}' was not stored"), f.Content.Size, f.Content.EncodedSize))];
        Array.Sort(contents, ContentRecord.ByDigest);
        return contents;
    }

    /// <summary>
    /// Commits, the metadata store checking under its write lock that every digest is still stored (but those this call
    /// placed itself, which nothing can have removed: <see cref="ContentPlacement.Created"/>). Content that a
    /// concurrent delete removed after this call had found it in the store is stored again from its source, a
    /// bounded number of times, so a delete racing with a snapshot never makes the snapshot fail or lose content.
    /// </summary>
    private void Commit(
        long pendingId,
        SourceTree tree,
        Lease lease,
        ContentPlacement placed)
    {
        SortedFileList? committed = null;
        CommitRetry.Run(
            () =>
            {
                _identities.Save();
                IReadOnlyList<FileRecord> records = WithInherited(Recorded(tree));
                committed = records is RecordedEntries entries ? SortedFileList.Of(entries, entries.PathOf) : SortedFileList.Of(records);

                // What this call placed itself is stored (see ContentPlacement.Created); the rest is looked up by name in
                // the open content directory: one statx each, not a walk of the store's path, while the commit holds the
                // metadata lock.
                using ContentStore.Lookup stored = _context.Store.OpenLookup();
                placed.WaitDurable();
                return _context.Metadata.Commit(pendingId, committed, Contents(tree), _context.NowNs, d => placed.Created(d) || stored.HasContent(d), lifecycle: _request.Lifecycle);
            },
            missing =>
            {
                var vanished = missing.ToHashSet();
                SourceFile[] again = tree.Files.Where(f => f.Digest is { } digest && vanished.Contains(digest)).ToArray();
                var unreported = new ProgressTracker(null, _context.Time, again.Length, 0);
                using var placement = new ContentPlacement(_context.Store, lease, _cancellation, _stats.FoundStored);
                BoundedParallel.For(again.Length, _context.Concurrency, _cancellation, (j, token) =>
                {
                    Store(again[j], lease, placement, unreported, token);
                });
                placement.Complete();
                placement.WaitDurable();
                UploadContent(tree);
            },
            "while the snapshot was being committed; snapshot it again");
        CollectBetweenPhases(tree);
        _context.Recovery.TryWrite(_context.Metadata, _request.Name, _request.Version, committed);
    }

    /// <summary>What the snapshot records: the files stored by this call and the request's inherited ones they do not
    /// replace, by path, as the request's <see cref="SnapshotRequest.CompleteRecords"/> completes them.</summary>
    private IReadOnlyList<FileRecord> WithInherited(IReadOnlyList<FileRecord> records)
    {
        IReadOnlyList<FileRecord> recorded = records;
        if (_request.InheritedFiles.Count > 0)
        {
            var stored = records.Select(r => r.RelativePath).ToHashSet(StringComparer.Ordinal);
            recorded = [.. _request.InheritedFiles.Where(f => !stored.Contains(f.RelativePath)).Concat(records).OrderBy(f => f.RelativePath, StringComparer.Ordinal)];
        }

        return _request.CompleteRecords is { } complete ? complete(recorded) : recorded;
    }

    private void Store(
        SourceFile source,
        Lease lease,
        ContentPlacement placement,
        ProgressTracker progress,
        CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            long readStartNs = _identities.NowNs;
            using var file = UnixFile.OpenRead(source.ResolvedPath, followSymlinks: false);
            FileStatus status = file.Stat();
            if (!status.IsSameInode(source.Status))
            {
                throw new SnapshotterException(ErrorCode.IO, $"'{source.RelativePath}' was replaced while being snapshotted");
            }

            bool learnable = _identities.PrepareToLearn(file, status, readStartNs);
            long dataBytes = 0;
            IngestResult result = _context.Store.Ingest(file, status, source.ReadOnly, buffer, n =>
            {
                dataBytes += n;
                progress.AddBytes(n);
            }, token, lease.PinContent, placement.Area);

            // The link of a read-only source has just moved its change time: the identity read is already stale.
            if (!result.Linked)
            {
                _identities.Learn(learnable, status, result.StatusAfterRead, result.Digest, readStartNs);
            }

            _stats.Read(dataBytes);
            if (result.PendingId is { } pending && !placement.TryAdd(result.Digest, pending, result.EncodedSize))
            {
                _stats.Reused();
            }
            else if (result.PendingId is null)
            {
                _stats.Reused();
            }
            else
            {
                _stats.Wrote(result.EncodedSize);
            }

            if (result.Linked)
            {
                _stats.Linked();
            }

            source.Stored(status, result.Digest, result.Size, result.EncodedSize);
            progress.FileDone(status.Size - dataBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Takes a file's remembered digest (already pinned by the lease) without reading the file, when the store still
    /// holds that content and, for a read-only file, its storage/snapshot inode: what storing it would have found.
    /// False otherwise, and the file is read.
    /// </summary>
    private bool Reuse(SourceFile source, Digest digest, ContentStore.Lookup stored, ProgressTracker progress)
    {
        if (stored.StoredSize(digest) is not { } encodedSize || (source.ReadOnly && !stored.HasSnapshotFile(digest)))
        {
            return false;
        }

        _stats.Reused();
        source.Stored(source.Status, digest, source.Status.Size, encodedSize);
        progress.FileDone(source.Status.Size);
        return true;
    }

    /// <summary>What the snapshot records of a file: as found, or once stored as it was read, with its digest.</summary>
    private static FileRecord Record(SourceFile source) => new(
        source.RelativePath,
        source.Digest,
        source.ReadOnly,
        source.Status.ModeBits,
        source.Status.Uid,
        source.Status.Gid,
        source.Status.Size,
        source.Status.ModificationTimeNs,
        source.Digest is null ? LocalOffsetSeconds(source.Status.ModificationTimeNs) : source.ModificationTimeOffsetSeconds,
        EntryType.Regular,
        Xattrs: source.Xattrs);

    /// <summary>
    /// Uploads the snapshot's content to the content provider, before the snapshot becomes visible, so
    /// no reader elsewhere can see it without its content being there. Content recorded as uploaded to the
    /// same location is not uploaded again.
    /// </summary>
    private void UploadContent(SourceTree tree)
    {
        if (_context.ContentProvider is not { } provider)
        {
            return;
        }

        IReadOnlyList<FileRecord> records = WithInherited(Recorded(tree));
        List<Digest> needed = _context.Metadata.NotUploaded(records.Where(r => r.HasContent).Select(r => r.ContentDigest).Distinct(), provider.Location);
        BoundedParallel.For(needed.Count, _context.Concurrency, _cancellation, (i, token) =>
            provider.Upload(needed[i], _context.Store.ContentPath(needed[i]), token));
        _context.Metadata.MarkUploaded(needed, provider.Location, _context.NowNs);
    }

    /// <summary>
    /// Before any content is read: a snapshot already published as name:version must be this one. Digests are
    /// not known yet, so everything else is compared (paths, sizes, modes, owners, mtimes); a difference there
    /// is ALREADY_EXISTS before anything is written. A match is confirmed with digests just before pushing.
    /// </summary>
    private void CheckCatalog(SourceTree tree)
    {
        if (_context.RemoteCatalog is not { } catalog || PullFromCatalog(catalog) is not { } published)
        {
            return;
        }

        // Nothing is stored yet: the records have no digests.
        if (!published.HasSameFiles(Recorded(tree), compareContent: false))
        {
            throw SnapshotterException.AlreadyExists($"snapshot '{_request.Name}:{_request.Version}' already exists in {_context.RemoteCatalog.Location} with other files");
        }
    }

    /// <summary>
    /// Pushes the snapshot's metadata to the remote catalog once its content is durable and uploaded, before it becomes visible
    /// locally. The catalog is checked again right before pushing: another writer may have published
    /// name:version meanwhile. The same snapshot there already is success; another one is ALREADY_EXISTS.
    /// </summary>
    private void PushToCatalog(SourceTree tree, ContentPlacement placed)
    {
        if (_context.RemoteCatalog is not { } catalog)
        {
            return;
        }

        IReadOnlyList<FileRecord> records = WithInherited(Recorded(tree));
        placed.WaitDurable();

        if (PullFromCatalog(catalog) is { } published)
        {
            if (published.HasSameFiles(records))
            {
                return;
            }

            throw SnapshotterException.AlreadyExists($"snapshot '{_request.Name}:{_request.Version}' already exists in {catalog.Location} with other content");
        }

        catalog.Push(_request.Name, _request.Version, SnapshotArtifact.Build(records), _cancellation);
    }

    /// <summary>What the catalog holds as name:version. A tag holding something unreadable is taken all the same.</summary>
    private RemoteSnapshot? PullFromCatalog(IRemoteCatalog catalog)
    {
        try
        {
            return catalog.Pull(_request.Name, _request.Version, _cancellation);
        }
        catch (SnapshotterException e) when (e.Code is ErrorCode.Corrupt or ErrorCode.Unsupported or ErrorCode.NotFound)
        {
            throw SnapshotterException.AlreadyExists($"snapshot '{_request.Name}:{_request.Version}' already exists in {catalog.Location} but cannot be read as this snapshot: {e.Message}");
        }
    }

    /// <summary>
    /// The local UTC offset at that instant, as Go's time.Local records it in the config JSON. An offset with
    /// seconds (local mean time, before the 20th century in most zones) cannot be written exactly in RFC 3339:
    /// Go would shift the clock by it but print whole minutes, changing the instant. UTC is recorded instead.
    /// </summary>
    internal static int LocalOffsetSeconds(long unixNs)
    {
        long ticks = unixNs / TimeSpan.NanosecondsPerTick;
        if (ticks <= DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks || ticks >= DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks)
        {
            return 0;
        }

        int offset = (int)TimeZoneInfo.Local.GetUtcOffset(DateTimeOffset.UnixEpoch.AddTicks(ticks)).TotalSeconds;
        return offset % 60 == 0 ? offset : 0;
    }

    private void TryDeletePending(long pendingId)
    {
        try
        {
            _context.Metadata.DeletePending(pendingId);
        }
        catch (Exception e)
        {
            // The reservation stays pending; recovery at the next open drops it. The original error matters more.
            LibraryLog.Write(LogLevel.Warning, $"snapshot '{_request.Name}:{_request.Version}': its reservation stays until the next open: dropping it failed: {e.Message}");
        }
    }
}
