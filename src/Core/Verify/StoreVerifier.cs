using System.Buffers;
using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Interop;
using Snapshotter.Metadata;
using Snapshotter.Progress;
using Snapshotter.Providers;
using Snapshotter.Sparse;

namespace Snapshotter.Verify;

/// <summary>
/// Checks a whole store: the metadata database's integrity, every content file and storage/snapshot file
/// re-hashed against its name, every digest a snapshot references present (or recoverable), every snapshot
/// restorable; with repair, fixes what <see cref="VerifyProblemKind"/> says is repairable. It holds the
/// collector's lock throughout, so no collection changes the store under it; snapshots and restores go on.
/// </summary>
internal sealed class StoreVerifier
{
    private readonly IContentProvider? _contentProvider;
    private readonly IndexRebuild _indexRebuild;
    private readonly Func<string, bool> _isOwnerAlive;
    private readonly Action _removeDeadOwners;
    private readonly TimeProvider _time;
    private readonly string _metadataDir;
    private readonly VerifyRequest _request;
    private readonly CancellationToken _cancellation;
    private readonly List<VerifyProblem> _problems = [];
    private readonly bool _restoreOwner = Libc.GetEuid() == 0;

    /// <param name="indexRebuild">Checks the database against the store's recovery records and rebuilds it.</param>
    /// <param name="contentProvider">Where lost content can be fetched again; null in a purely local store.</param>
    /// <param name="isOwnerAlive">Whether the handle that left a record with this owner token is still open.</param>
    /// <param name="removeDeadOwners">Removes the lock files of handles that died, once their records are gone.</param>
    /// <param name="metadataDir">Where the database and the collector's lock file live.</param>
    public StoreVerifier(ContentStore store, MetadataStore metadata, IndexRebuild indexRebuild, IContentProvider? contentProvider, Func<string, bool> isOwnerAlive,
        Action removeDeadOwners, TimeProvider time, string metadataDir, VerifyRequest request, CancellationToken cancellation)
    {
        Store = store;
        Metadata = metadata;
        _indexRebuild = indexRebuild;
        _contentProvider = contentProvider;
        _isOwnerAlive = isOwnerAlive;
        _removeDeadOwners = removeDeadOwners;
        _time = time;
        _metadataDir = metadataDir;
        _request = request;
        _cancellation = cancellation;
    }

    private bool Repair => _request.Repair;

    private ContentStore Store { get; }

    private MetadataStore Metadata { get; }

    public VerifyReport Run()
    {
        using FileLock held = FileLock.Acquire(Path.Join(_metadataDir, GarbageCollector.LockFileName), _cancellation);
        foreach (string problem in Metadata.CheckIntegrity())
        {
            Report(VerifyProblemKind.CorruptMetadata, Path.Join(_metadataDir, MetadataStore.DatabaseFileName), problem, repaired: false);
        }

        // First, so that what follows checks the snapshots the rebuild brought back.
        _indexRebuild.Run(Repair, Path.Join(_metadataDir, MetadataStore.DatabaseFileName), Report, _cancellation);

        CheckDeadRecords();
        List<(SnapshotRecord Snapshot, List<FileRecord> Files)> snapshots = ReadSnapshots();
        var referenced = new Dictionary<Digest, FileRecord>();
        foreach (FileRecord file in snapshots.SelectMany(s => s.Files).Where(f => f.HasContent))
        {
            // Prefer a read-only entry: its attributes are what a recreated storage/snapshot file must carry.
            if (!referenced.TryGetValue(file.ContentDigest, out FileRecord? known) || (file.ReadOnly && !known.ReadOnly))
            {
                referenced[file.ContentDigest] = file;
            }
        }

        List<Digest> contentFiles = ListStore(Store.ContentDir);
        List<Digest> snapshotFiles = ListStore(Store.SnapshotDir);
        long bytesTotal = contentFiles.Sum(d => SizeOf(Store.ContentPath(d))) + snapshotFiles.Sum(d => SizeOf(Store.SnapshotPath(d)));
        var progress = new ProgressTracker(_request.Progress, _time, contentFiles.Count + snapshotFiles.Count, bytesTotal);
        long bytesChecked = 0;
        var goodContent = new HashSet<Digest>();
        var corruptContent = new HashSet<Digest>();
        var goodSnapshotFiles = new HashSet<Digest>();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ContentStore.DefaultBufferBytes);
        try
        {
            foreach (Digest digest in contentFiles)
            {
                bytesChecked += CheckContent(digest, buffer, progress, goodContent, corruptContent);
            }

            foreach (Digest digest in snapshotFiles)
            {
                bytesChecked += CheckSnapshotFile(digest, buffer, progress, goodSnapshotFiles);
            }

            RecoverContent(referenced, goodContent, corruptContent, goodSnapshotFiles, buffer);
            CheckSnapshotFilesOfReadOnlyEntries(referenced, goodContent, goodSnapshotFiles, buffer);
            CheckSnapshotFileAttributes(snapshots.SelectMany(s => s.Files).Where(f => f.ReadOnly), goodContent, goodSnapshotFiles, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        foreach ((SnapshotRecord snapshot, List<FileRecord> files) in snapshots)
        {
            FileRecord? lost = files.FirstOrDefault(f => f.Digest is { } digest && !goodContent.Contains(digest) && !(f.ReadOnly && goodSnapshotFiles.Contains(digest)));
            if (lost is not null)
            {
                Report(VerifyProblemKind.UnrestorableSnapshot, $"{snapshot.Name}:{snapshot.Version}",
                    $"content {lost.Digest} of '{lost.RelativePath}' is neither in the local store nor recoverable", repaired: false);
            }
        }

        int recordsWithoutFiles = DropContentRecordsWithoutFiles(referenced.Keys.ToHashSet());
        if (Repair && _problems.Count > 0)
        {
            // A store found damaged takes nothing learned before on trust: the next snapshots read their files again.
            Metadata.ForgetRememberedDigests();
        }

        progress.Complete();
        return new VerifyReport
        {
            SnapshotsChecked = snapshots.Count,
            ContentChecked = contentFiles.Count,
            SnapshotFilesChecked = snapshotFiles.Count,
            BytesChecked = bytesChecked,
            UnreferencedContent = goodContent.Count(d => !referenced.ContainsKey(d)) + recordsWithoutFiles,
            Problems = _problems,
        };
    }

    private void Report(VerifyProblemKind kind, string subject, string message, bool repaired) =>
        _problems.Add(new VerifyProblem(kind, subject, message, repaired));

    /// <summary>Pending snapshots, leases and lock files of handles that died. Open and every collection drop them too.</summary>
    private void CheckDeadRecords()
    {
        int pending = Metadata.DeleteAbandonedPending(_isOwnerAlive, delete: Repair);
        if (pending > 0)
        {
            Report(VerifyProblemKind.DanglingRecord, "pending snapshots", $"{pending} pending snapshot(s) of handles that are no longer open", Repair);
        }

        int leases = Metadata.DeleteDeadLeases(_isOwnerAlive, delete: Repair);
        if (leases > 0)
        {
            Report(VerifyProblemKind.DanglingRecord, "leases", $"{leases} lease(s) of handles that are no longer open", Repair);
        }

        // A dead owner's lock file says nothing once its records are gone: it is housekeeping, not a problem to report.
        if (Repair)
        {
            _removeDeadOwners();
        }
    }

    private List<(SnapshotRecord, List<FileRecord>)> ReadSnapshots()
    {
        var snapshots = new List<(SnapshotRecord, List<FileRecord>)>();
        foreach (SnapshotRecord snapshot in Metadata.ListCommitted().Select(s => s.Snapshot))
        {
            _cancellation.ThrowIfCancellationRequested();
            try
            {
                List<FileRecord> files = Metadata.GetFiles(snapshot.Id);
                FileRecord? odd = files.FirstOrDefault(f => Validation.RelativePath.Normalize(f.RelativePath) != f.RelativePath);
                if (odd is not null)
                {
                    Report(VerifyProblemKind.CorruptMetadata, $"{snapshot.Name}:{snapshot.Version}", $"records a non-canonical path '{odd.RelativePath}'", repaired: false);
                }

                snapshots.Add((snapshot, files));
            }
            catch (SnapshotterException e) when (e.Code is ErrorCode.InvalidArgument or ErrorCode.Corrupt)
            {
                Report(VerifyProblemKind.CorruptMetadata, $"{snapshot.Name}:{snapshot.Version}", e.Message, repaired: false);
            }
        }

        return snapshots;
    }

    /// <summary>The digests a store dir holds files for; anything that is neither such a file nor a temporary is reported.</summary>
    private List<Digest> ListStore(string directory)
    {
        var digests = new List<Digest>();
        foreach (string path in Directory.EnumerateFileSystemEntries(directory))
        {
            string name = Path.GetFileName(path);
            if (ContentStore.TryParseFileName(name, out Digest digest) && UnixPath.TryStat(path, followSymlinks: false) is { IsRegularFile: true })
            {
                digests.Add(digest);
            }
            else if (!name.StartsWith(ContentStore.TempContentPrefix, StringComparison.Ordinal)
                && !name.StartsWith(ContentStore.TempSnapshotPrefix, StringComparison.Ordinal)
                && !name.StartsWith(ContentStore.StagingPrefix, StringComparison.Ordinal))
            {
                Report(VerifyProblemKind.StrayFile, path, "not a content object, a storage/snapshot file nor a temporary file of the store", repaired: false);
            }
        }

        return digests;
    }

    private long CheckContent(Digest digest, byte[] buffer, ProgressTracker progress, HashSet<Digest> good, HashSet<Digest> corrupt)
    {
        long size = SizeOf(Store.ContentPath(digest));
        long reported = 0;
        try
        {
            Store.DecodeInto(digest, output: null, buffer, n =>
            {
                reported += n;
                progress.AddBytes(n);
            }, _cancellation);
            good.Add(digest);
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.Corrupt)
        {
            corrupt.Add(digest);
            if (Repair)
            {
                UnixPath.DeleteFile(Store.ContentPath(digest));
            }
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.NotFound)
        {
            // Removed since it was listed (a concurrent restore replacing nothing, or an external hand): nothing to check.
        }

        progress.FileDone(Math.Max(0, size - reported));
        return size;
    }

    private long CheckSnapshotFile(Digest digest, byte[] buffer, ProgressTracker progress, HashSet<Digest> good)
    {
        string path = Store.SnapshotPath(digest);
        using UnixFile? file = UnixFile.TryOpenRead(path);
        if (file is null)
        {
            progress.FileDone(0);
            return 0;
        }

        FileStatus status = file.Stat();
        Digest actual = Spf1Encoder.DigestOf(file, status.Size, buffer, _cancellation);
        progress.FileDone(status.Size);
        if (actual == digest)
        {
            good.Add(digest);
        }
        else
        {
            if (Repair)
            {
                UnixPath.DeleteFile(path);
            }

            Report(VerifyProblemKind.CorruptSnapshotFile, digest.ToString(), $"'{path}' now holds {actual}: its inode was modified", Repair);
        }

        return status.Size;
    }

    /// <summary>Referenced content that is missing or was corrupt: fetched from the content provider or re-encoded
    /// from a sound storage/snapshot file when repairing.</summary>
    private void RecoverContent(Dictionary<Digest, FileRecord> referenced, HashSet<Digest> good, HashSet<Digest> corrupt, HashSet<Digest> goodSnapshotFiles, byte[] buffer)
    {
        foreach (Digest digest in corrupt.Where(d => !referenced.ContainsKey(d)))
        {
            Report(VerifyProblemKind.CorruptContent, digest.ToString(), $"'{Store.ContentPath(digest)}' does not hold {digest} (no snapshot references it)", Repair);
        }

        foreach ((Digest digest, FileRecord file) in referenced)
        {
            _cancellation.ThrowIfCancellationRequested();
            if (good.Contains(digest))
            {
                continue;
            }

            bool wasCorrupt = corrupt.Contains(digest);
            string recovery = Repair ? TryRecover(digest, goodSnapshotFiles, buffer) : "";
            bool repaired = recovery.Length > 0;
            if (repaired)
            {
                good.Add(digest);
            }

            string what = wasCorrupt ? $"'{Store.ContentPath(digest)}' does not hold {digest}" : $"content {digest} of '{file.RelativePath}' is not in the local store";
            string outcome = repaired ? $"; {recovery}" : Repair ? "; it could not be recovered" : "";
            Report(wasCorrupt ? VerifyProblemKind.CorruptContent : VerifyProblemKind.MissingContent, digest.ToString(), what + outcome, repaired);
        }
    }

    /// <summary>How the content was recovered, or "" when it could not be.</summary>
    private string TryRecover(Digest digest, HashSet<Digest> goodSnapshotFiles, byte[] buffer)
    {
        if (_contentProvider is { } provider)
        {
            try
            {
                Store.Fetch(provider, digest, buffer, onBytes: null, _cancellation);
                return $"fetched again from {provider.Location}";
            }
            catch (SnapshotterException e) when (e.Code is ErrorCode.NotFound or ErrorCode.Corrupt or ErrorCode.IO)
            {
                // Fall back to the local copy below.
            }
        }

        if (!goodSnapshotFiles.Contains(digest))
        {
            return "";
        }

        using UnixFile source = UnixFile.OpenRead(Store.SnapshotPath(digest));
        IngestResult result = Store.Ingest(source, source.Stat(), readOnly: false, buffer, onDataBytes: null, _cancellation);
        if (result.PendingId is not { } pending)
        {
            return "re-encoded from its storage/snapshot file";
        }

        if (result.Digest != digest)
        {
            UnixPath.TryDeleteFile(Store.PendingPath(pending));
            return "";
        }

        var durability = new Durability();
        durability.Track(Store.ContentDir);
        durability.Flush();
        Store.PlacePending(pending, digest);
        durability.Flush();
        return "re-encoded from its storage/snapshot file";
    }

    private void CheckSnapshotFilesOfReadOnlyEntries(Dictionary<Digest, FileRecord> referenced, HashSet<Digest> goodContent, HashSet<Digest> goodSnapshotFiles, byte[] buffer)
    {
        foreach ((Digest digest, FileRecord file) in referenced)
        {
            _cancellation.ThrowIfCancellationRequested();
            // A storage/snapshot file still there was reported corrupt (and is gone if repairing). One missing while the
            // content is sound is no problem: a restore makes it from the content, as imports and pulls leave it to
            // the first restore; repair makes it now.
            if (!file.ReadOnly || goodSnapshotFiles.Contains(digest)
                || (!Repair && (goodContent.Contains(digest) || UnixPath.TryStat(Store.SnapshotPath(digest), followSymlinks: false) is not null)))
            {
                continue;
            }

            bool repaired = false;
            if (Repair && goodContent.Contains(digest))
            {
                Store.MaterializeSnapshotFile(digest, Store.ContentPath(digest), file.Mode, file.Uid, file.Gid, file.ModificationTimeNs, _restoreOwner, buffer, _cancellation);
                goodSnapshotFiles.Add(digest);
                repaired = true;
            }

            Report(VerifyProblemKind.MissingSnapshotFile, digest.ToString(), $"'{Store.SnapshotPath(digest)}' of read-only '{file.RelativePath}' is missing", repaired);
        }
    }

    /// <summary>
    /// A sound storage/snapshot file must also carry the mode (and, where this process can set it, the owner) of some
    /// read-only entry recording its digest: a restore links it as that entry, so a changed mode would reach every
    /// restore linking it. The inode may be a user's own file or a restored one, so repair never chmods or chowns
    /// it: the store drops its link and decodes a private copy with the recorded attributes from the content.
    /// </summary>
    private void CheckSnapshotFileAttributes(IEnumerable<FileRecord> readOnlyEntries, HashSet<Digest> goodContent, HashSet<Digest> goodSnapshotFiles, byte[] buffer)
    {
        foreach (IGrouping<Digest, FileRecord> entries in readOnlyEntries.Where(f => f.Digest is { } digest && goodSnapshotFiles.Contains(digest)).GroupBy(f => f.ContentDigest))
        {
            _cancellation.ThrowIfCancellationRequested();
            string path = Store.SnapshotPath(entries.Key);
            if (UnixPath.TryStat(path, followSymlinks: false) is not { } status)
            {
                continue;
            }

            if (entries.Any(f => !ModeDiffers(f, status) && !OwnerDiffers(f, status)))
            {
                continue;
            }

            FileRecord wanted = entries.First();
            string what = string.Join(" and ", new[] { (ModeDiffers(wanted, status), $"mode {Octal(status.Permissions)}"), (OwnerDiffers(wanted, status), $"owner {status.Uid}:{status.Gid}") }
                .Where(d => d.Item1).Select(d => d.Item2));
            bool repaired = Repair && goodContent.Contains(entries.Key);
            if (repaired)
            {
                UnixPath.DeleteFile(path);
                Store.MaterializeSnapshotFile(entries.Key, Store.ContentPath(entries.Key), wanted.Mode, wanted.Uid, wanted.Gid, wanted.ModificationTimeNs, _restoreOwner, buffer, _cancellation);
            }

            string outcome = repaired ? "; replaced by a private copy with the recorded attributes" : Repair ? "; its content is not in the store to copy it from" : "";
            Report(VerifyProblemKind.CorruptSnapshotFile, entries.Key.ToString(),
                $"'{path}' has {what}, which no read-only entry of it records ('{wanted.RelativePath}' records mode {Octal(wanted.Mode)}, owner {wanted.Uid}:{wanted.Gid}){outcome}", repaired);
        }
    }

    /// <summary>
    /// Content records with neither a file nor a reference: what a collection killed between unlinking and
    /// committing leaves. Harmless (the next collection drops them), so counted with unreferenced content rather
    /// than reported; dropped when repairing.
    /// </summary>
    private int DropContentRecordsWithoutFiles(HashSet<Digest> referenced)
    {
        List<Digest> dangling = Metadata.ReadContent().Keys
            .Where(d => !referenced.Contains(d) && !Store.HasContent(d) && UnixPath.TryStat(Store.SnapshotPath(d), followSymlinks: false) is null)
            .ToList();
        if (Repair && dangling.Count > 0)
        {
            Metadata.ReleaseUnreferenced(dangling, _isOwnerAlive, _ => { }, _cancellation);
        }

        return dangling.Count;
    }

    private static bool ModeDiffers(FileRecord file, in FileStatus status) => status.Permissions != file.Mode;

    /// <summary>Owners count only where this process can restore them: as root.</summary>
    private bool OwnerDiffers(FileRecord file, in FileStatus status) => _restoreOwner && (status.Uid != file.Uid || status.Gid != file.Gid);

    private static string Octal(uint mode) => "0" + Convert.ToString(mode, 8);

    private static long SizeOf(string path) => UnixPath.TryStat(path, followSymlinks: false)?.Size ?? 0;
}
