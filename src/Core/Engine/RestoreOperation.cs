using System.Buffers;
using System.Diagnostics;
using Snapshotter.Catalogs;
using Snapshotter.Diagnostics;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Identity;
using Snapshotter.Interop;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Progress;
using Snapshotter.Sparse;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// One restore call. It plans first (which targets are absent, already identical, or different) and fails
/// before writing anything if a different file is in the way without overwrite. Read-only files become
/// hardlinks of the stored inode when that inode carries exactly the recorded mode, owner and mtime (so it
/// never needs chmod or chtimes); everything else is decoded from the store into a temporary file beside its
/// target, verified against its digest in the same pass, made durable in one batch, then renamed into place.
/// In place, a file whose content matches but whose attributes differ only gets those set, and extra files can
/// then be removed (<see cref="ExtraFiles"/>). "Matches" is known, not guessed: a candidate whose size matches is
/// read and hashed (unless it is the stored inode), so an in-place restore writes only the differences but reads
/// the files it keeps once.
/// The call's lease pins the snapshot from the moment it is found, so no collector evicts it (nor its content)
/// while the restore runs.
/// </summary>
internal sealed class RestoreOperation
{
    /// <summary>Temporary files beside their targets: ".snapshotter-restore-&lt;owner token&gt;-&lt;random&gt;".</summary>
    private const string TempPrefix = RelativePath.ReservedPrefix + "restore-";
    private const uint TempFileMode = 0x180; // 0600

    private readonly EngineContext _context;
    private readonly RestoreRequest _request;
    private readonly CancellationToken _cancellation;
    private readonly StatsCounter _stats = new();
    private readonly IdentityCache _identities;
    private readonly TargetComparer _comparer;
    private readonly bool _restoreOwner;
    private readonly bool _overwrite;

    /// <summary>For each regular file that selected hardlinks share: its index among the entries restored.</summary>
    private readonly Dictionary<string, int> _groupFile = new(StringComparer.Ordinal);

    /// <summary>For each such file: how many selected hardlinks share it.</summary>
    private readonly Dictionary<string, int> _groupLinks = new(StringComparer.Ordinal);
    private readonly Durability _durability = new();
    private OutputTree? _tree;
    private StagedEntries? _staged;
    private volatile bool _placed;
    // Whether this restore wrote file data (copies, or a stored inode recreated), which must be durable before
    // anything is renamed onto it.
    private volatile bool _wroteData;

    private string OwnTempPrefix => $"{TempPrefix}{_context.Owner.Token}-";

    public RestoreOperation(EngineContext context, RestoreRequest request, CancellationToken cancellation)
    {
        _context = context;
        _request = request;
        _cancellation = cancellation;
        _comparer = new TargetComparer(context);
        _identities = new IdentityCache(context.Metadata, context.Time);
        _restoreOwner = _comparer.CompareOwner;
        _overwrite = request.Overwrite || request.InPlace;
    }

    private enum TargetState : byte
    {
        Absent,
        Identical,

        /// <summary>Same content; only mode, owner or mtime differ, on an inode nobody else links (in place only).</summary>
        AttributesOnly,
        Different,

        /// <summary>While planning: <see cref="Identical"/> if the content matches, else <see cref="Different"/>.</summary>
        IdenticalIfContentMatches,

        /// <summary>While planning: <see cref="AttributesOnly"/> if the content matches, else <see cref="Different"/>.</summary>
        AttributesOnlyIfContentMatches,

        /// <summary>While planning: a file whose record holds no xattrs, alike but for its xattrs, not yet read, and its content
        /// (<see cref="CheckContent"/> compares both): <see cref="IdenticalIfContentMatches"/> once its xattrs match, else
        /// <see cref="AttributesOnlyIfContentMatches"/> or <see cref="Different"/>, as any difference of attributes.</summary>
        IdenticalIfXattrsAndContentMatch,
    }

    /// <summary>
    /// What planning found for each entry restored, by its index: its state, and the status it saw of the entries a later
    /// step looks at again (one whose attributes alone are to be set, and the file and links of a hardlink group). A
    /// status kept for every entry took 96 bytes each, about 10 MB of a restore of 100,000 files.
    /// </summary>
    private sealed class TargetPlan(int count)
    {
        public TargetState[] States { get; } = new TargetState[count];

        public PlannedStatuses Statuses { get; } = new(count);
    }

    /// <summary>A temporary entry <paramref name="TempName"/> in <paramref name="Directory"/> (relative to the output dir),
    /// to be renamed to <paramref name="Name"/> beside it.</summary>
    private readonly record struct Staged(string Directory, string TempName, string Name, FileRecord File, bool Replace);

    /// <summary>
    /// The entries staged under temporary names and not yet placed, by their index among the entries restored: the 64
    /// bits each temporary name is spelled from (<see cref="RandomName.Next"/>) and whether it replaces what is at its
    /// target, nine bytes an entry; its <see cref="Staged"/> is spelled again when it is placed or removed. A map from
    /// temporary paths to <see cref="Staged"/> held about 400 bytes an entry, some 40 MB of a restore of 100,000 files.
    /// Entries are staged from several threads, each at its own index.
    /// </summary>
    private sealed class StagedEntries(List<FileRecord> files, string tempPrefix)
    {
        private readonly ulong[] _names = new ulong[files.Count];
        private readonly Staging[] _staging = new Staging[files.Count];

        private enum Staging : byte
        {
            None,
            New,
            Replace,
        }

        /// <summary>The indices staged now, in index order.</summary>
        public IEnumerable<int> Indices
        {
            get
            {
                for (int i = 0; i < _staging.Length; i++)
                {
                    if (_staging[i] != Staging.None)
                    {
                        yield return i;
                    }
                }
            }
        }

        public Staged this[int index]
        {
            get
            {
                (string directory, string name) = RelativePath.Split(files[index].RelativePath);
                return new Staged(directory, TempName(_names[index]), name, files[index], _staging[index] == Staging.Replace);
            }
        }

        /// <summary>The temporary name spelled from <paramref name="name"/>.</summary>
        public string TempName(ulong name) => tempPrefix + RandomName.Spell(name);

        /// <summary>Notes that the entry at <paramref name="index"/> is (or is about to be) at the temporary name spelled from
        /// <paramref name="name"/> (a <see cref="RandomName.Next"/>); returns that name.</summary>
        public string Add(int index, ulong name, bool replace)
        {
            _names[index] = name;
            _staging[index] = replace ? Staging.Replace : Staging.New;
            return TempName(name);
        }

        public void Remove(int index) => _staging[index] = Staging.None;
    }

    public OperationStats Run()
    {
        long started = Stopwatch.GetTimestamp();
        _cancellation.ThrowIfCancellationRequested();
        PathSelection? selection = PathSelection.Create(_request.Only);
        if (_request.DeleteExtra && (!_request.InPlace || _request.OutputDir is null))
        {
            throw SnapshotterException.InvalidArgument("delete_extra needs in_place and an output_dir: only an in-place restore removes what the snapshot lacks");
        }

        using var lease = Lease.Acquire(_context, $"restore {_request.Target}");
        (SnapshotRecord snapshot, ProgressTracker? pullProgress) = FindOrPull(_request.Snapshot(), selection, lease);
        List<FileRecord> snapshotFiles = ReadFiles(snapshot);
        List<FileRecord> files = Selected(snapshotFiles, selection, snapshot.Name, snapshot.Version);
        string? outputDir = CreateOutputDir();
        if (outputDir is not null)
        {
            files = Writable(files, $"{snapshot.Name}:{snapshot.Version}");
            IndexGroups(files);
        }

        using OutputTree? tree = _tree = outputDir is null ? null : OutputTree.Open(outputDir);
        TargetPlan? plan = outputDir is null ? null : Plan(files);

        // Planned first, so a conflict fails before any download, and targets whose content already matches
        // need none. A pulled snapshot's content was all fetched before it was recorded, and the lease pins it.
        ProgressTracker progress = pullProgress ?? FetchMissing(files, plan);
        long totalBytes = files.Sum(f => f.Size);
        if (outputDir is null || plan is null)
        {
            progress.FileDone(totalBytes, files.Count);
        }
        else
        {
            WriteTargets(snapshot, snapshotFiles, selection, files, plan, outputDir, progress);
        }

        _context.Metadata.Touch(snapshot.Id, _context.NowNs);
        progress.Complete();
        return _stats.ToStats(files.Count, totalBytes, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The snapshot's entries, every path canonical and the whole a tree (<see cref="SnapshotConfig.CheckTree"/>):
    /// CORRUPT otherwise, before anything is written.</summary>
    private List<FileRecord> ReadFiles(SnapshotRecord snapshot)
    {
        List<FileRecord> files = _context.Metadata.GetFiles(snapshot.Id);
        foreach (FileRecord file in files)
        {
            string canonical;
            try
            {
                canonical = RelativePath.Normalize(file.RelativePath);
            }
            catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
            {
                throw SnapshotterException.Corrupt($"snapshot '{snapshot.Name}:{snapshot.Version}' records a path no restore may write: {e.Message}");
            }

            if (canonical != file.RelativePath)
            {
                throw SnapshotterException.Corrupt($"snapshot '{snapshot.Name}:{snapshot.Version}' records a non-canonical path '{PathEncoding.Printable(file.RelativePath)}'");
            }
        }

        SnapshotConfig.CheckTree(files, $"snapshot '{snapshot.Name}:{snapshot.Version}'");
        return files;
    }

    /// <summary>
    /// The entries to write: device nodes left out when asked (each logged), refused by name before anything is written
    /// when this process cannot create them (only root can) and was not asked to leave them out.
    /// </summary>
    private List<FileRecord> Writable(List<FileRecord> files, string snapshot)
    {
        static bool IsDevice(FileRecord f) => f.Type is EntryType.CharacterDevice or EntryType.BlockDevice;
        if (_request.SkipDevices)
        {
            foreach (FileRecord device in files.Where(IsDevice))
            {
                LibraryLog.Write(LogLevel.Warning, $"restore of '{snapshot}': '{PathEncoding.Printable(device.RelativePath)}', a {device.Type}, was left out, as asked");
            }

            return files.Where(f => !IsDevice(f)).ToList();
        }

        if (!_restoreOwner && files.FirstOrDefault(IsDevice) is { } first)
        {
            throw new SnapshotterException(
                ErrorCode.PermissionDenied,
                $"snapshot '{snapshot}' holds '{PathEncoding.Printable(first.RelativePath)}', a {first.Type}, and only root creates device nodes; nothing was written (restore as root, or leave devices out with skip_devices)");
        }

        return files;
    }

    /// <summary>The output directory, created and resolved; null when the call only makes sure the content is local.</summary>
    private string? CreateOutputDir()
    {
        if (_request.OutputDir is not { } requested)
        {
            return null;
        }

        if (requested.Length == 0)
        {
            throw SnapshotterException.InvalidArgument("output_dir is empty: pass a directory, or none to only make sure the content is local");
        }

        if (UnixPath.TryStat(requested, followSymlinks: true) is { IsDirectory: false })
        {
            throw SnapshotterException.InvalidArgument($"output_dir '{requested}' is not a directory");
        }

        UnixPath.CreateDirectories(requested);
        return UnixPath.ResolveDirectory(requested, "output_dir");
    }

    /// <summary>Fetches the content the planned targets lack (all of it without an output directory), and starts the
    /// call's progress with that fetch.</summary>
    private ProgressTracker FetchMissing(List<FileRecord> files, TargetPlan? plan)
    {
        List<FileRecord> missing = LocalContent.Missing(_context, _comparer, plan is null ? files : files.Where((_, i) => plan.States[i] is TargetState.Absent or TargetState.Different), linkedCopyWillDo: true, _cancellation);
        ProgressTracker progress = NewProgress(files, missing.Sum(f => f.Size));
        LocalContent.Fetch(_context, missing, progress, _cancellation);
        return progress;
    }

    /// <summary>
    /// Writes what the plan says differs, under a marker that tells a later restore into the same directory that this
    /// one did not finish. Directories come first (parents before children), so every other entry has its place;
    /// copies, links of the stored inodes, symlinks and special files are staged beside their targets, made durable,
    /// then renamed into place; the other paths of a hardlink group are linked to the placed file; extra files go when
    /// asked; last, directories get their mode, owner, xattrs and mtime, deepest first, once nothing changes in them.
    /// </summary>
    private void WriteTargets(
        SnapshotRecord snapshot,
        List<FileRecord> snapshotFiles,
        PathSelection? selection,
        List<FileRecord> files,
        TargetPlan plan,
        string outputDir,
        ProgressTracker progress)
    {
        bool writes = _request.DeleteExtra || plan.States.Any(s => s != TargetState.Identical) || files.Any(f => f.Type == EntryType.Directory);
        using RestoreMarker? marker = writes || UnixPath.TryStat(RestoreMarker.PathIn(outputDir), followSymlinks: false) is not null
            ? RestoreMarker.Enter(outputDir, $"{snapshot.Name}:{snapshot.Version}")
            : null;
        if (marker is { WasPresent: true })
        {
            DeleteDeadRestoresTemps(outputDir);
        }

        _durability.Track(_context.Store.SnapshotDir);
        using (TreeDirectory root = _tree!.OpenDirectory(""))
        {
            _durability.Track(root);
        }

        var parents = ParentDirectories.ForStaging(_tree, _overwrite);
        StagedEntries staged = _staged = new StagedEntries(files, OwnTempPrefix);
        try
        {
            // Parents before children; a directory already there needs nothing until its attributes are set.
            foreach (int i in Enumerable.Range(0, files.Count).Where(i => files[i].Type == EntryType.Directory && plan.States[i] != TargetState.Identical).OrderBy(i => files[i].RelativePath, StringComparer.Ordinal))
            {
                _cancellation.ThrowIfCancellationRequested();
                _placed = true;
                parents.Walk(files[i].RelativePath + "/");
            }

            ForEachInRuns(files, [.. Enumerable.Range(0, files.Count)], (i, parent, token) =>
            {
                FileRecord file = files[i];
                TargetState state = plan.States[i];
                if (state == TargetState.Identical)
                {
                    _stats.Reused();
                    progress.FileDone(file.Size);
                }
                else if (state == TargetState.AttributesOnly)
                {
                    SetAttributes(file, plan.Statuses[i], parent.Of(file.RelativePath));
                    _stats.Reused();
                    progress.FileDone(file.Size);
                }
                else if (file.Type == EntryType.Directory)
                {
                    // Made above, before anything that goes in it.
                    progress.FileDone(0);
                }
                else if (IsGroupLink(file))
                {
                    // Linked once the file whose inode it shares is in place.
                }
                else if (file.HasContent)
                {
                    Stage(i, file, parents, parent, state == TargetState.Different, progress, token);
                }
                else
                {
                    StageNode(i, file, parents, parent, state == TargetState.Different);
                    progress.FileDone(0);
                }
            });

            if (_wroteData)
            {
                // The data of the copies must be durable before they get their names; links need no such step.
                _durability.Flush();
            }

            // Renames in distinct directories, or of distinct names in one, are independent: spread over the threads.
            ForEachInRuns(files, [.. staged.Indices], (i, parent, _) =>
            {
                Place(staged[i], parent.Of(files[i].RelativePath));
                staged.Remove(i);
            });

            for (int i = 0; i < files.Count; i++)
            {
                if (IsGroupLink(files[i]) && plan.States[i] != TargetState.Identical)
                {
                    _cancellation.ThrowIfCancellationRequested();
                    LinkToGroup(i, files[i], plan.States[i] == TargetState.Different);
                    progress.FileDone(files[i].Size);
                }
            }
        }
        catch
        {
            if (!_placed)
            {
                marker?.Abandon();
            }

            throw;
        }
        finally
        {
            foreach (int i in staged.Indices)
            {
                Staged left = staged[i];
                using TreeDirectory? directory = _tree!.TryOpenDirectory(left.Directory, out _);
                directory?.TryRemove(left.TempName);
            }
        }

        if (_request.DeleteExtra)
        {
            _stats.Removed(new ExtraFiles(outputDir, snapshotFiles, selection, _context.Store.RootDir, _cancellation).Remove());
        }

        // One flush for what was placed, removed and set: until the marker goes, a crash anywhere in between leaves the
        // output dir marked unfinished, whatever of it reached the disk.
        if (FinishDirectories(files, parents) | _placed)
        {
            _durability.Flush();
        }

        marker?.Complete();
    }

    /// <summary>
    /// Gives every directory entry its recorded mode, owner, xattrs and mtime where they differ, deepest first: only
    /// now, since creating anything in a directory moves its mtime, and a directory of mode 0500 takes no new entries
    /// from anybody but root. Directories the snapshot does not hold but this restore had to open up for writing get
    /// their mode back. Returns whether anything changed.
    /// </summary>
    /// <remarks>A directory's search permission may be what reaching those below it takes, so a depth is done before the
    /// one above it, each parent opened once per run of its subdirectories. One thread does it all: the directories that
    /// differ are a few hundred at most for most trees, fewer than starting the threads of a parallel pass each depth
    /// would pay for.</remarks>
    private bool FinishDirectories(List<FileRecord> files, ParentDirectories parents)
    {
        bool changed = parents.RestoreLoosened(files.Where(f => f.Type == EntryType.Directory).Select(f => f.RelativePath));
        IEnumerable<IGrouping<int, int>> depths = Enumerable.Range(0, files.Count)
            .Where(i => files[i].Type == EntryType.Directory)
            .GroupBy(i => files[i].RelativePath.Count(c => c == '/'))
            .OrderByDescending(depth => depth.Key);
        foreach (IGrouping<int, int> depth in depths)
        {
            foreach (ArraySegment<int> run in DirectoryRuns.Of([.. depth], files))
            {
                using var parent = new DirectoryRuns.Parent(_tree!, files[run[0]].RelativePath);
                foreach (int i in run)
                {
                    _cancellation.ThrowIfCancellationRequested();
                    FileRecord directory = files[i];
                    string name = RelativePath.NameOf(directory.RelativePath);
                    TreeDirectory within = parent.Of(directory.RelativePath);
                    FileStatus status = within.Stat(name) is { IsDirectory: true } found
                        ? found
                        : throw SnapshotterException.AlreadyExists($"'{directory.RelativePath}' is no longer a directory in output_dir: it changed while it was being restored");
                    if (_comparer.AttributeDifferences(directory, status) != DiffReasons.None || TargetComparer.XattrsDiffer(directory, within, name))
                    {
                        SetEntryAttributes(within, name, directory);
                        changed = true;
                    }
                }
            }
        }

        return changed;
    }

    /// <summary>
    /// Removes the temporary entries that restores of dead owners left anywhere below the output dir (they are named
    /// with their owner's token). Only called when a marker says some restore did not finish. The walk goes through
    /// directory descriptors and never follows a symlink.
    /// </summary>
    private void DeleteDeadRestoresTemps(string outputDir)
    {
        using UnixDirectory root = UnixDirectory.Open(outputDir);
        DeleteDeadRestoresTemps(root);
    }

    private void DeleteDeadRestoresTemps(UnixDirectory directory)
    {
        foreach (UnixDirectory.Entry entry in directory.ReadEntries())
        {
            _cancellation.ThrowIfCancellationRequested();
            if (entry.Name is { } name && IsDeadRestoresTemp(name))
            {
                // A directory set aside to be replaced goes with everything in it.
                if (directory.OpenChild(entry) is { } aside)
                {
                    using (aside)
                    {
                        aside.RemoveEverything(_cancellation);
                    }

                    directory.TryRemoveDirectory(entry);
                }
                else
                {
                    directory.RemoveFile(entry);
                }
            }
            else if (directory.OpenChild(entry) is { } child)
            {
                using (child)
                {
                    DeleteDeadRestoresTemps(child);
                }
            }
        }
    }

    private bool IsDeadRestoresTemp(string name)
    {
        string token = name.StartsWith(TempPrefix, StringComparison.Ordinal) && name.Length > TempPrefix.Length + 16 ? name.Substring(TempPrefix.Length, 16) : "";
        return OwnerLock.IsToken(token) && name[TempPrefix.Length + 16] == '-' && !_context.IsOwnerAlive(token);
    }

    /// <summary>
    /// The local snapshot the request names, pinned by the lease; one this store has never seen is first pulled
    /// from the remote catalog when one is configured (exact name:version only: "@latest" and "@time" choose
    /// among local snapshots). A pull fetches the content and starts the call's progress with it: its tracker comes
    /// back with the snapshot.
    /// </summary>
    private (SnapshotRecord Snapshot, ProgressTracker? PullProgress) FindOrPull(SnapshotReference reference, PathSelection? selection, Lease lease)
    {
        ProgressTracker? progress = null;
        if (_context.RemoteCatalog is { } remote && reference.Version is { } version && _context.Metadata.FindCommitted(reference.Name, version) is null)
        {
            progress = Pull(remote, reference.Name, version, selection, lease);
        }

        return (Catalog.FindAndPin(_context, reference, lease), progress);
    }

    /// <summary>
    /// A snapshot from the remote catalog: pulled and validated as untrusted input, its content pinned by the
    /// lease and fetched (each object's logical size checked against the sizes the snapshot claims), then
    /// recorded with its files and content references in one transaction, a committed snapshot like any other.
    /// The transaction checks that the content is still there; what went missing meanwhile is fetched again, a
    /// bounded number of times.
    /// </summary>
    private ProgressTracker Pull(IRemoteCatalog remote, string name, string version, PathSelection? selection, Lease lease)
    {
        RemoteSnapshot pulled = remote.Pull(name, version, _cancellation)
            ?? throw SnapshotterException.NotFound($"snapshot '{name}:{version}' not found, neither locally nor in {remote.Location}");
        var files = pulled.Files.ToList();
        lease.PinContent(files.Where(f => f.HasContent).Select(f => f.ContentDigest));

        List<FileRecord> restored = Selected(files, selection, name, version);
        List<FileRecord> toFetch = LocalContent.Missing(_context, _comparer, files, linkedCopyWillDo: false, _cancellation);
        // The call's progress starts with this fetch; a fetch again of content deleted meanwhile is not counted.
        ProgressTracker progress = NewProgress(restored, toFetch.Sum(f => f.Size));
        LocalContent.Fetch(_context, toFetch, progress, _cancellation);
        string source = $"snapshot '{name}:{version}' from {remote.Location}";
        CommitRetry.Run(
            () => StoredContentOf(files, source, out Digest vanished) is { } contents
                ? _context.Metadata.CommitPulled(name, version, files, contents, _context.NowNs, _context.IsOwnerAlive, _context.Store.HasContent).Missing
                : [vanished],
            _ => LocalContent.Fetch(_context, LocalContent.Missing(_context, _comparer, files, linkedCopyWillDo: false, _cancellation), null, _cancellation),
            $"while snapshot '{name}:{version}' was being recorded; restore it again");
        _context.Recovery.TryWrite(_context.Metadata, name, version);
        return progress;
    }

    /// <summary>
    /// The content records of files whose content is in the store, each object's logical size checked against
    /// the size the snapshot gives its files (CORRUPT otherwise); null when some content vanished meanwhile, with
    /// <paramref name="vanished"/> the first digest found missing.
    /// </summary>
    private List<ContentRecord>? StoredContentOf(List<FileRecord> files, string source, out Digest vanished)
    {
        vanished = default;
        var contents = new Dictionary<Digest, ContentRecord>();
        foreach (FileRecord file in files.Where(f => f.HasContent))
        {
            Digest digest = file.ContentDigest;
            if (!contents.TryGetValue(digest, out ContentRecord content))
            {
                using UnixFile? stored = UnixFile.TryOpenRead(_context.Store.ContentPath(digest));
                if (stored is null)
                {
                    vanished = digest;
                    return null;
                }

                content = new ContentRecord(digest, Spf1.ReadLogicalSize(stored), stored.Stat().Size);
                contents.Add(digest, content);
            }

            if (content.Size != file.Size)
            {
                throw SnapshotterException.Corrupt($"{source} gives '{file.RelativePath}' {file.Size} bytes, but its content {file.Digest} holds {content.Size}");
            }
        }

        return contents.Values.ToList();
    }

    private static List<FileRecord> Selected(List<FileRecord> files, PathSelection? selection, string name, string version) =>
        selection?.Select(files, f => f.RelativePath, $"snapshot '{name}:{version}'") ?? files;

    /// <summary>
    /// The call's progress, made once the files to restore and the content to fetch are known: in
    /// <see cref="Pull"/> for a snapshot pulled from the remote catalog, else after planning. Fetched objects count
    /// in logical bytes too, so the total is known before the first piece arrives.
    /// </summary>
    private ProgressTracker NewProgress(List<FileRecord> files, long fetchBytes) =>
        new(_request.Progress, _context.Time, files.Count, files.Sum(f => f.Size) + fetchBytes);

    /// <summary>Decides for each file whether its target is absent, identical or different, writing nothing.</summary>
    private TargetPlan Plan(List<FileRecord> files)
    {
        var plan = new TargetPlan(files.Count);
        var parents = ParentDirectories.ForPlanning(_tree!);
        ForEachInRuns(files, [.. Enumerable.Range(0, files.Count)], (i, parent, _) =>
        {
            FileRecord file = files[i];
            (TargetState state, FileStatus? status) = parents.Walk(file.RelativePath) switch
            {
                ParentState.Missing => (TargetState.Absent, null),
                ParentState.BlockedByFile => (TargetState.Different, null),
                _ => PlanPresent(file, parent.Of(file.RelativePath)),
            };
            plan.States[i] = state;
            if (status is { } seen && (IsContentCandidate(state) || KeepsStatus(state, file)))
            {
                plan.Statuses[i] = seen;
            }
        });

        CheckContent(files, plan);

        // A path of a hardlink group is right only when it is the very inode of the group's file, and that file stays.
        for (int i = 0; i < files.Count; i++)
        {
            if (IsGroupLink(files[i]) && plan.States[i] == TargetState.Identical)
            {
                int shared = _groupFile[files[i].LinkTarget!];
                if (plan.States[shared] is not (TargetState.Identical or TargetState.AttributesOnly)
                    || !plan.Statuses[shared].IsSameInode(plan.Statuses[i]))
                {
                    plan.States[i] = TargetState.Different;
                }
            }
        }

        if (!_overwrite)
        {
            int different = plan.States.Count(s => s == TargetState.Different);
            if (different > 0)
            {
                string first = files[Array.IndexOf(plan.States, TargetState.Different)].RelativePath;
                throw SnapshotterException.AlreadyExists(
                    $"{different} file(s) in output_dir '{_tree!.Root}' differ from the snapshot, the first is '{PathEncoding.Printable(first)}'; nothing was written (restore with overwrite to replace them)");
            }
        }

        return plan;
    }

    /// <summary>
    /// Settles the targets whose content planning left to compare (the right type and size, not the stored inode). A
    /// target whose identity a snapshot or an earlier restore remembered (see <see cref="IdentityCache"/>: the same inode,
    /// size, times and mode since it was read, on a filesystem trusted to move the change time) is taken to hold the
    /// remembered content without being read; every other one is read and hashed, and its identity remembered for the
    /// next restore into the same tree. An in-place restore repeated over a tree it keeps up to date then looks at its
    /// unchanged files the way a snapshot of an unchanged tree does, and needs no look at the xattrs of those it
    /// remembered holding none (<see cref="TargetState.IdenticalIfXattrsAndContentMatch"/>): a statx is all such a file costs.
    /// </summary>
    private void CheckContent(List<FileRecord> files, TargetPlan plan)
    {
        int[] pending = Enumerable.Range(0, files.Count).Where(i => IsContentCandidate(plan.States[i])).ToArray();
        if (pending.Length == 0)
        {
            return;
        }

        // By position in pending (found again by a binary search: pending is in index order). Xattrs are listed after this time.
        bool[] recalledWithoutXattrs = new bool[pending.Length];
        Dictionary<int, Digest> remembered = _request.Rehash ? [] : _identities
            .Recall(pending.Length, j => plan.Statuses[pending[j]], j => Path.Join(_tree!.Root, files[pending[j]].RelativePath), recalledWithoutXattrs);
        long xattrsListedNs = _identities.NowNs;

        ForEachInRuns(files, pending, (i, parent, token) =>
        {
            FileRecord file = files[i];
            TargetState state = plan.States[i];
            int position = Array.BinarySearch(pending, i);
            bool recalled = remembered.TryGetValue(position, out Digest known);
            bool listedNone = false;
            if (state == TargetState.IdenticalIfXattrsAndContentMatch)
            {
                state = recalled && recalledWithoutXattrs[position]
                    ? TargetState.IdenticalIfContentMatches
                    : CompareXattrs(file, parent.Of(file.RelativePath), plan.Statuses[i], out listedNone);
            }

            // Only root lists every xattr a restore manages (trusted.* too): only its "none" is remembered.
            long? withoutXattrsSinceNs = listedNone && _restoreOwner ? xattrsListedNs : null;
            if (recalled && withoutXattrsSinceNs is { } listedNs)
            {
                _identities.LearnWithoutXattrs(plan.Statuses[i], listedNs);
            }

            bool matches = state != TargetState.Different && (recalled
                ? known == file.Digest
                : HashesTo(file, plan.Statuses[i], parent.Of(file.RelativePath), token, withoutXattrsSinceNs));
            plan.States[i] = !matches ? TargetState.Different
                : state == TargetState.IdenticalIfContentMatches ? TargetState.Identical
                : TargetState.AttributesOnly;
            if (!KeepsStatus(plan.States[i], files[i]))
            {
                plan.Statuses.Remove(i);
            }
        });

        _identities.Save();
    }

    /// <summary>Whether the target <paramref name="status"/> describes, still that inode, hashes to the entry's digest; its
    /// identity is remembered with what it hashed to, and with <paramref name="withoutXattrsSinceNs"/> (see
    /// <see cref="IdentityCache.Learn"/>).</summary>
    private bool HashesTo(FileRecord file, in FileStatus status, TreeDirectory parent, CancellationToken token, long? withoutXattrsSinceNs = null)
    {
        using UnixFile existing = parent.OpenRead(RelativePath.NameOf(file.RelativePath));
        return _comparer.HashesTo(file, status, existing, token, _identities, withoutXattrsSinceNs);
    }

    /// <summary>The state of a target in <see cref="TargetState.IdenticalIfXattrsAndContentMatch"/> once its xattrs are read:
    /// <paramref name="listedNone"/> when it holds none at all (one call, as for most files).</summary>
    private TargetState CompareXattrs(FileRecord file, TreeDirectory parent, in FileStatus status, out bool listedNone)
    {
        string name = RelativePath.NameOf(file.RelativePath);
        listedNone = parent.HasNoXattrs(name);
        return listedNone || !TargetComparer.XattrsDiffer(file, parent, name) ? TargetState.IdenticalIfContentMatches
            : IsFixable(file, status) ? TargetState.AttributesOnlyIfContentMatches
            : TargetState.Different;
    }

    /// <summary>Whether planning left a target's content (and maybe its xattrs) to <see cref="CheckContent"/>.</summary>
    private static bool IsContentCandidate(TargetState state) =>
        state is TargetState.IdenticalIfContentMatches or TargetState.AttributesOnlyIfContentMatches or TargetState.IdenticalIfXattrsAndContentMatch;

    /// <summary>Whether a later step reads the status planning saw of an entry in <paramref name="state"/>: one whose
    /// attributes alone are set, and a kept file or link of a hardlink group.</summary>
    private bool KeepsStatus(TargetState state, FileRecord file) =>
        state == TargetState.AttributesOnly || (state == TargetState.Identical && IsInGroup(file));

    /// <summary><see cref="DirectoryRuns.ForEach"/> over this restore's output tree, with its concurrency.</summary>
    private void ForEachInRuns(List<FileRecord> files, int[] indices, Action<int, DirectoryRuns.Parent, CancellationToken> body) =>
        DirectoryRuns.ForEach(indices, files, _tree!, _context.Concurrency, _cancellation, body);

    private (TargetState State, FileStatus? Status) PlanPresent(FileRecord file, TreeDirectory parent)
    {
        string name = RelativePath.NameOf(file.RelativePath);
        return parent.Stat(name) is { } status ? (Classify(file, parent, name, status), status) : (TargetState.Absent, null);
    }

    /// <summary>
    /// Notes, for each regular file whose inode other selected paths share (hardlinks), where it is among
    /// <paramref name="files"/>. A hardlink whose file is not selected is restored from its content on its own.
    /// </summary>
    private void IndexGroups(List<FileRecord> files)
    {
        // Only the files hardlinks name: a map of every regular file took a few MB of a restore of 100,000 files, which
        // most often holds no hardlink at all.
        HashSet<string> linked = TreeShape.HardlinkTargets(files);
        var regular = new Dictionary<string, int>(linked.Count, StringComparer.Ordinal);
        for (int i = 0; i < files.Count; i++)
        {
            if (files[i].Type == EntryType.Regular && linked.Contains(files[i].RelativePath))
            {
                regular[files[i].RelativePath] = i;
            }
        }

        foreach (FileRecord link in files.Where(f => f.Type == EntryType.Hardlink))
        {
            if (regular.TryGetValue(link.LinkTarget!, out int index))
            {
                _groupFile[link.LinkTarget!] = index;
                _groupLinks[link.LinkTarget!] = _groupLinks.GetValueOrDefault(link.LinkTarget!) + 1;
            }
        }
    }

    /// <summary>A hardlink whose file is restored too: it becomes a link of that file once the file is in place.</summary>
    private bool IsGroupLink(FileRecord file) => file.Type == EntryType.Hardlink && _groupFile.ContainsKey(file.LinkTarget!);

    /// <summary>A path of a hardlink group restored together: the group's file or one of its links.</summary>
    private bool IsInGroup(FileRecord file) => IsGroupLink(file) || (file.Type == EntryType.Regular && _groupFile.ContainsKey(file.RelativePath));

    /// <summary>
    /// How an existing target compares with its record, but for the content of a regular file: one that may be kept is
    /// left to <see cref="CheckContent"/> (Identical or AttributesOnly if its content matches). Only an in-place restore
    /// keeps a file whose attributes differ (to fix just those); otherwise such a file is rewritten without being read.
    /// An entry of another type is different (with overwrite it is replaced, a directory with everything in it).
    /// </summary>
    private TargetState Classify(FileRecord file, TreeDirectory parent, string name, in FileStatus status)
    {
        if (!TargetComparer.IsOfType(file, status))
        {
            return TargetState.Different;
        }

        switch (file.Type)
        {
            case EntryType.Directory:
                // Its mode, owner, xattrs and mtime are set once everything in it is done.
                return TargetState.Identical;
            case EntryType.Symlink when parent.ReadLink(name) != file.LinkTarget:
            case EntryType.CharacterDevice or EntryType.BlockDevice when status.NodeMajor != file.DeviceMajor || status.NodeMinor != file.DeviceMinor:
                return TargetState.Different;
            case EntryType.Hardlink when IsGroupLink(file):
                // The group's file decides (see Plan): this path is right when it is that file's inode.
                return TargetState.Identical;
        }

        // Only a target with another link can be the stored inode: a private copy is not looked for in the store.
        if (file.HasContent && status.LinkCount > 1 && _comparer.StoredInodeMatches(file) is { } stored && stored.IsSameInode(status))
        {
            // A link of the stored inode is right for a read-only entry; a writable one must be a private copy,
            // or writing to it would rewrite the store (and the original it was linked from).
            return file.ReadOnly && CanLinkStored(file) ? TargetState.Identical : TargetState.Different;
        }

        DiffReasons attributes = _comparer.AttributeDifferences(file, status);
        bool fixable = IsFixable(file, status) && (attributes & DiffReasons.Size) == 0;
        if (attributes != DiffReasons.None && !fixable)
        {
            return TargetState.Different;
        }

        // A file whose record holds no xattrs has them compared with its content, where a remembered identity can vouch
        // for them; one whose other attributes differ gets its xattrs set with those, whatever they are now.
        if (attributes == DiffReasons.None && file.HasContent && file.Xattrs is not { Count: > 0 })
        {
            return TargetState.IdenticalIfXattrsAndContentMatch;
        }

        if (attributes == DiffReasons.None && TargetComparer.XattrsDiffer(file, parent, name))
        {
            attributes = DiffReasons.Xattrs;
            if (!fixable)
            {
                return TargetState.Different;
            }
        }

        // A file of the right size is compared by content once every target has been looked at (CheckContent).
        return (file.HasContent, attributes == DiffReasons.None) switch
        {
            (false, true) => TargetState.Identical,
            (false, false) => TargetState.AttributesOnly,
            (true, true) => TargetState.IdenticalIfContentMatches,
            (true, false) => TargetState.AttributesOnlyIfContentMatches,
        };
    }

    /// <summary>Whether an in-place restore may set the attributes of the target <paramref name="status"/> describes: every path
    /// sharing its inode is this snapshot's own (the group's file and its hardlinks), so fixing them touches nothing else.</summary>
    private bool IsFixable(FileRecord file, in FileStatus status) =>
        _request.InPlace && status.LinkCount == 1 + (file.Type == EntryType.Regular ? _groupLinks.GetValueOrDefault(file.RelativePath) : 0);

    /// <summary>Sets a kept entry's mode, owner, xattrs and mtime, provided it is still the inode the plan examined.</summary>
    private void SetAttributes(FileRecord file, in FileStatus planned, TreeDirectory parent)
    {
        string name = RelativePath.NameOf(file.RelativePath);
        FileStatus? now = parent.Stat(name);
        if (now is not { } current || !current.IsSameInode(planned) || current.Size != planned.Size || current.ModificationTimeNs != planned.ModificationTimeNs)
        {
            throw SnapshotterException.AlreadyExists($"'{PathEncoding.Printable(file.RelativePath)}' changed in output_dir while it was being restored");
        }

        _placed = true;
        SetEntryAttributes(parent, name, file);
    }

    /// <summary>
    /// Owner (as root), then mode (setuid, setgid and sticky survive: chown clears them, so they come after it), then
    /// xattrs (a changed owner clears security.capability too), then the mtime, of the entry at <paramref name="name"/>,
    /// never following a symlink there. Extra xattrs the entry carries go.
    /// </summary>
    private void SetEntryAttributes(TreeDirectory parent, string name, FileRecord file)
    {
        parent.SetOwnerAndMode(name, file.Mode, file.Uid, file.Gid, _restoreOwner, isSymlink: file.Type == EntryType.Symlink);
        parent.ReplaceXattrs(name, file.Xattrs?.Entries, TargetComparer.ManagedXattrs(file));
        parent.SetModificationTime(name, file.ModificationTimeNs);
    }

    private void Stage(int index, FileRecord file, ParentDirectories parents, DirectoryRuns.Parent runParent, bool replace, ProgressTracker progress, CancellationToken token)
    {
        parents.Walk(file.RelativePath);
        string name = RelativePath.NameOf(file.RelativePath);
        TreeDirectory parent = runParent.Of(file.RelativePath);
        _durability.Track(parent);

        if (file.ReadOnly && !_request.PrivateCopies && CanLinkStored(file) && TryLink(index, file, parent, name, replace))
        {
            _stats.Linked();
            progress.FileDone(file.Size);
            return;
        }

        string temp = _staged!.Add(index, RandomName.Next(), replace);
        _wroteData = true;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            long dataBytes = 0;
            using UnixFile output = parent.CreateFile(temp, TempFileMode);
            _stats.Read(_context.Store.DecodeInto(file.ContentDigest, output, buffer, n =>
            {
                dataBytes += n;
                progress.AddBytes(n);
            }, token));
            if (_restoreOwner)
            {
                output.SetOwner(file.Uid, file.Gid);
            }

            output.SetPermissions(file.Mode);
            if (file.Xattrs is { } xattrs)
            {
                foreach ((string attribute, byte[] value) in xattrs.Entries)
                {
                    output.SetXattr(attribute, value);
                }
            }

            output.SetModificationTime(file.ModificationTimeNs);
            _stats.Wrote(dataBytes);
            progress.FileDone(file.Size - dataBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The store's read-only inodes carry mode, owner and mtime only: an entry with setuid, setgid or sticky bits or
    /// with xattrs gets a private copy instead (setting those on the stored inode would change every link of it).
    /// </summary>
    private static bool CanLinkStored(FileRecord file) =>
        (file.Mode & ~FileStatus.PermissionMask) == 0 && file.Xattrs is not { Count: > 0 };

    /// <summary>A symlink, FIFO or device node, created under a temporary name beside its target with all its attributes,
    /// to be renamed into place with the copies.</summary>
    private void StageNode(int index, FileRecord file, ParentDirectories parents, DirectoryRuns.Parent runParent, bool replace)
    {
        parents.Walk(file.RelativePath);
        string name = RelativePath.NameOf(file.RelativePath);
        TreeDirectory parent = runParent.Of(file.RelativePath);
        _durability.Track(parent);
        string temp = _staged!.Add(index, RandomName.Next(), replace);
        switch (file.Type)
        {
            case EntryType.Symlink:
                parent.CreateSymlink(file.LinkTarget!, temp);
                break;
            case EntryType.Fifo:
                parent.CreateNode(temp, Libc.S_IFIFO | TempFileMode, 0);
                break;
            case EntryType.CharacterDevice or EntryType.BlockDevice:
                parent.CreateNode(temp, (file.Type == EntryType.CharacterDevice ? Libc.S_IFCHR : Libc.S_IFBLK) | TempFileMode, Libc.MakeDevice(file.DeviceMajor, file.DeviceMinor));
                break;
            default:
                throw new InvalidOperationException($"'{file.RelativePath}' ({file.Type}) is not a node");
        }

        SetEntryAttributes(parent, temp, file);
    }

    /// <summary>
    /// Links a path of a hardlink group to its file, now in place: under a temporary name first, then renamed over
    /// what is there, so the path never holds anything but the old entry or the group's inode.
    /// </summary>
    private void LinkToGroup(int index, FileRecord link, bool replace)
    {
        (string fileDir, string fileName) = RelativePath.Split(link.LinkTarget!);
        (string directory, string name) = RelativePath.Split(link.RelativePath);
        using TreeDirectory source = _tree!.OpenDirectory(fileDir);
        using TreeDirectory parent = _tree.OpenDirectory(directory);
        string temp = _staged!.Add(index, RandomName.Next(), replace);
        int errno = parent.TryLinkFrom(source, fileName, temp);
        if (errno != 0)
        {
            throw Errno.Exception(errno, $"link '{PathEncoding.Printable(link.LinkTarget!)}' to", parent.PathOf(name));
        }

        _durability.Track(parent);
        Place(_staged[index], parent);
        _staged.Remove(index);
        _stats.Linked();
    }

    /// <summary>
    /// Hardlinks the stored inode to the target when it carries the recorded attributes, recreating it from the
    /// content when it is missing. Returns false when a private copy is needed instead.
    /// </summary>
    private bool TryLink(int index, FileRecord file, TreeDirectory parent, string name, bool replace)
    {
        Digest digest = file.ContentDigest;
        string stored = _context.Store.SnapshotPath(digest);
        if (UnixPath.TryStat(stored, followSymlinks: false) is null && _context.Store.HasContent(digest))
        {
            _wroteData = true;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
            try
            {
                _context.Store.MaterializeSnapshotFile(digest, _context.Store.ContentPath(digest), file.Mode, file.Uid, file.Gid, file.ModificationTimeNs, _restoreOwner, buffer, _cancellation);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        if (_comparer.StoredInodeMatches(file) is null)
        {
            return false;
        }

        ulong tempName = RandomName.Next();
        string linkName = replace ? _staged!.TempName(tempName) : name;
        int errno = parent.TryLinkFrom(stored, linkName);
        if (errno is Errno.EXDEV or Errno.EMLINK or Errno.EPERM)
        {
            return false;
        }

        if (errno == Errno.EEXIST && !replace)
        {
            // Another call restored the same path meanwhile: fine if it is what this snapshot holds.
            return AppearedIdentical(file, parent, name) || (_overwrite && TryLink(index, file, parent, name, replace: true));
        }

        if (errno != 0)
        {
            throw Errno.Exception(errno, "link", parent.PathOf(linkName));
        }

        if (replace)
        {
            _staged!.Add(index, tempName, replace: true);
        }
        else
        {
            _placed = true;
        }

        return true;
    }

    private void Place(Staged staged, TreeDirectory parent)
    {
        _placed = true;
        if (staged.Replace)
        {
            ReplaceWith(parent, staged.TempName, staged.Name);
        }
        else if (!parent.RenameNoReplace(staged.TempName, staged.Name))
        {
            // Another call restored the same path meanwhile: keep its file if it is what this snapshot holds.
            if (AppearedIdentical(staged.File, parent, staged.Name))
            {
                parent.TryRemove(staged.TempName);
            }
            else if (_overwrite)
            {
                ReplaceWith(parent, staged.TempName, staged.Name);
            }
            else
            {
                throw SnapshotterException.AlreadyExists($"'{staged.File.RelativePath}' appeared in output_dir while it was being restored, and differs from the snapshot");
            }
        }
    }

    /// <summary>
    /// Renames <paramref name="temp"/> over <paramref name="name"/>. A directory there (the snapshot has a file, link or
    /// node where the tree has a directory) is first renamed aside under a temporary name, then removed with
    /// everything in it: the path holds the old entry or the new one at every moment, and a crash leaves the directory
    /// under a name the next restore into this dir removes.
    /// </summary>
    private void ReplaceWith(TreeDirectory parent, string temp, string name)
    {
        if (parent.Stat(name) is not { IsDirectory: true })
        {
            parent.Rename(temp, name);
            return;
        }

        string aside = NewTempName();
        parent.Rename(name, aside);
        try
        {
            parent.Rename(temp, name);
        }
        catch
        {
            parent.RenameNoReplace(aside, name);
            throw;
        }

        using UnixDirectory moved = UnixDirectory.OpenIn(parent, aside);
        moved.RemoveEverything(_cancellation);
        parent.RemoveDirectory(aside);
    }

    private string NewTempName() => OwnTempPrefix + RandomName.Hex16();

    private bool AppearedIdentical(FileRecord file, TreeDirectory parent, string name)
    {
        if (parent.Stat(name) is not { } status)
        {
            return false;
        }

        TargetState state = Classify(file, parent, name, status);
        if (state == TargetState.IdenticalIfXattrsAndContentMatch)
        {
            state = CompareXattrs(file, parent, status, out _);
        }

        return state == TargetState.IdenticalIfContentMatches ? HashesTo(file, status, parent, _cancellation) : state == TargetState.Identical;
    }
}
