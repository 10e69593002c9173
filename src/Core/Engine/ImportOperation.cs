using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using Snapshotter.Archive;
using Snapshotter.Content;
using Snapshotter.Diagnostics;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Progress;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// One import call, from a tar stream (gzip recognised by its magic) or from an export directory. Nothing from
/// the input is trusted: every member is checked before its data is read (<see cref="ArchiveEntries"/>: no "..",
/// nothing absolute, no duplicates, nothing beneath a symlink or a file, hard links only to earlier regular files),
/// every file's content is encoded and hashed into the store's temporary files as it arrives, and with
/// snapshot.json every entry must match it and every entry it lists must be there. Only then is the name reserved,
/// the content linked into place and the snapshot committed in one transaction, so a truncated, damaged or
/// malicious input leaves nothing behind. Every digest is pinned by the call's lease before the store is checked
/// for it, so content found already stored cannot be collected before the commit. A tar without snapshot.json is
/// imported as the entries it holds (regular files writable, everything with the modes, owners, mtimes and
/// extended attributes of its headers), under the name and version the caller gives. Importing a snapshot that
/// exists succeeds only when it is identical.
/// </summary>
internal sealed class ImportOperation
{
    private const int StreamBufferBytes = 1 << 20;

    /// <summary>What a producer may still write after the end-of-archive marker (record padding) and is read
    /// so that it does not fail writing into a closed pipe.</summary>
    private const long MaxTrailerBytes = 16 << 20;

    private readonly EngineContext _context;
    private readonly ImportRequest _request;
    private readonly CancellationToken _cancellation;
    private readonly StatsCounter _stats = new();
    private readonly List<StagedContent> _staged = [];
    private ProgressTracker _progress;
    private Lease? _lease;

    public ImportOperation(EngineContext context, ImportRequest request, CancellationToken cancellation)
    {
        _context = context;
        _request = request;
        _cancellation = cancellation;
        _progress = new ProgressTracker(request.Progress, context.Time, 0, 0);
    }

    /// <summary>A snapshot as read from the input: its name, version, creation time (null: now) and files.</summary>
    private sealed record Contents(string Name, string Version, long? CreatedNs, IReadOnlyList<FileRecord> Files);

    public ImportResult Run()
    {
        long started = Stopwatch.GetTimestamp();
        StreamOrDirectory.Require(_request.Descriptor, _request.InputDir, "input_dir", "(an export directory) to import from");

        if ((_request.Name is null) != (_request.Version is null))
        {
            throw SnapshotterException.InvalidArgument("give both name and snapshot_version to import under another name, or neither");
        }

        if (_request.Name is not null)
        {
            NameRules.ValidateName(_request.Name);
            NameRules.ValidateVersion(_request.Version);
        }

        using Lease lease = _lease = Lease.Acquire(_context, $"import from {_request.Source}");
        try
        {
            Contents contents = _request.Descriptor is { } fd ? ReadArchive(fd) : ReadDirectory(_request.InputDir!);
            Commit(contents);
            _progress.Complete();
            return new ImportResult(contents.Name, contents.Version, _stats.ToStats(contents.Files.Count, contents.Files.Sum(f => f.Size), Stopwatch.GetElapsedTime(started)));
        }
        finally
        {
            foreach (StagedContent staged in _staged)
            {
                ContentStore.Release(staged);
            }
        }
    }

    private Contents ReadArchive(int fd)
    {
        var input = new DescriptorStream(fd, writing: false, _cancellation);
        string source = input.Name;
        byte[] magic = new byte[2];
        int peeked = input.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        if (peeked == 0)
        {
            throw SnapshotterException.Corrupt($"archive {source} is empty");
        }

        var replay = new ReplayStream(magic.AsMemory(0, peeked), input);
        bool gzip = peeked == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        using Stream decompressed = gzip ? new GZipStream(replay, CompressionMode.Decompress) : replay;
        using var buffered = new BufferedStream(decompressed, StreamBufferBytes);
        try
        {
            return ReadMembers(new TarReader(buffered, source), source);
        }
        catch (InvalidDataException e)
        {
            throw SnapshotterException.Corrupt($"the gzip data of archive {source} is damaged: {e.Message}");
        }
    }

    private Contents ReadMembers(TarReader reader, string source)
    {
        EnvelopeCodec.Decoded? envelope = null;
        HashSet<string>? listed = null;
        var entries = new ArchiveEntries(source);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            while (reader.Next() is { } entry)
            {
                _cancellation.ThrowIfCancellationRequested();
                string where = entries.Where(entry);
                if (entry.Member.IsRegularFile && PathEncoding.FromBytes(entry.Member.Name) is ExportEnvelope.FileName or "./" + ExportEnvelope.FileName)
                {
                    if (envelope is not null)
                    {
                        throw SnapshotterException.Corrupt($"{where}: a second {ExportEnvelope.FileName}");
                    }

                    envelope = EnvelopeCodec.Decode(ReadWhole(reader, entry, where), $"{ExportEnvelope.FileName} of archive {source}");
                    listed = envelope.Files.Select(f => $"{ExportEnvelope.FilesDirectory}/{f.RelativePath}").ToHashSet(StringComparer.Ordinal);
                    if (entries.Count == 0)
                    {
                        List<FileRecord> files = envelope.Files.Where(f => f.Type == EntryType.Regular).ToList();
                        _progress = new ProgressTracker(_request.Progress, _context.Time, files.Count, files.Sum(f => f.Size));
                    }

                    RefuseConflictingSnapshot(_request.Name ?? envelope.Name, _request.Version ?? envelope.Version, envelope.Files);
                    continue;
                }

                if (entries.PathOf(entry) is not { } path)
                {
                    continue;
                }

                // A directory that is no entry of its own may hold ones that are (GNU tar writes one for each).
                if (listed is not null && !listed.Contains(path) && !entry.Member.IsDirectory)
                {
                    throw SnapshotterException.Corrupt($"{where}: '{PathEncoding.Printable(path)}' is not listed in {ExportEnvelope.FileName}");
                }

                if (entry.Member.IsRegularFile)
                {
                    StagedContent content = Stage(reader, entry, buffer);
                    entries.AddFile(entry, path, content.Digest, content.Size);
                }
                else
                {
                    entries.AddOther(entry, path);
                }
            }

            reader.DrainTrailer(MaxTrailerBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return envelope is null ? PlainArchive(entries, source) : ExportArchive(envelope, entries);
    }

    /// <summary>An archive with snapshot.json: exactly the entries it lists, each matching it.</summary>
    private Contents ExportArchive(EnvelopeCodec.Decoded envelope, ArchiveEntries entries)
    {
        entries.Match(envelope.Files, ExportEnvelope.FilesDirectory);
        return new Contents(_request.Name ?? envelope.Name, _request.Version ?? envelope.Version, envelope.CreatedNs, envelope.Files);
    }

    /// <summary>An archive without snapshot.json (made by tar from a directory): its entries as its headers describe
    /// them, regular files writable, under the name and version the caller gave.</summary>
    private Contents PlainArchive(ArchiveEntries entries, string source)
    {
        if (_request.Name is null || _request.Version is null)
        {
            throw SnapshotterException.InvalidArgument(
                $"archive {source} has no {ExportEnvelope.FileName}, so it is not an export: give name and snapshot_version to import its files as a snapshot");
        }

        // An empty snapshot comes only from an export that says so: an archive of nothing is more often the wrong one.
        if (entries.Count == 0)
        {
            throw SnapshotterException.InvalidArgument($"archive {source} holds no files and no {ExportEnvelope.FileName}: nothing to import as a snapshot");
        }

        List<FileRecord> files = entries.Entries;
        RefuseConflictingSnapshot(_request.Name, _request.Version, files);
        return new Contents(_request.Name, _request.Version, null, files);
    }

    private Contents ReadDirectory(string inputDir)
    {
        switch (inputDir.Length == 0 ? null : UnixPath.TryStat(inputDir, followSymlinks: true))
        {
            case null:
                throw inputDir.Length == 0 ? SnapshotterException.InvalidArgument("input_dir is empty") : SnapshotterException.NotFound($"input_dir '{inputDir}' does not exist");
            case { IsDirectory: false }:
                throw SnapshotterException.InvalidArgument($"input_dir '{inputDir}' is not a directory");
        }

        string root = UnixPath.ResolveDirectory(inputDir, "input_dir");
        string where = $"export directory '{root}'";
        EnvelopeCodec.Decoded envelope;
        Dictionary<string, FileStatus> present;
        using (UnixDirectory top = UnixDirectory.Open(root))
        {
            envelope = EnvelopeCodec.Decode(ReadEnvelopeFile(top, where), $"{ExportEnvelope.FileName} of {where}");
            using UnixDirectory? files = top.OpenChild(UnixDirectory.EntryOf(ExportEnvelope.FilesDirectory));
            present = files is null ? [] : TreeWalk.Collect(files, _cancellation);
        }

        string filesRoot = Path.Join(root, ExportEnvelope.FilesDirectory);
        var listed = envelope.Files.ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        foreach ((string path, FileStatus status) in present)
        {
            string shown = $"{ExportEnvelope.FilesDirectory}/{PathEncoding.Printable(path)}";
            if (listed.TryGetValue(path, out FileRecord? entry) ? !TargetComparer.IsOfType(entry, status) : !status.IsDirectory)
            {
                // A directory that is no entry of its own may hold ones that are.
                throw SnapshotterException.Corrupt(entry is null
                    ? $"{where}: '{shown}' is not listed in {ExportEnvelope.FileName}"
                    : $"{where}: '{shown}' is not of the type {ExportEnvelope.FileName} lists for it ({entry.Type})");
            }
        }

        if (envelope.Files.FirstOrDefault(f => !present.ContainsKey(f.RelativePath)) is { } missing)
        {
            throw SnapshotterException.Corrupt($"{where} is incomplete: '{ExportEnvelope.FilesDirectory}/{PathEncoding.Printable(missing.RelativePath)}', listed in {ExportEnvelope.FileName}, is missing");
        }

        RefuseConflictingSnapshot(_request.Name ?? envelope.Name, _request.Version ?? envelope.Version, envelope.Files);
        // A hard link's content is the file's it names: each inode is read once.
        List<FileRecord> regular = envelope.Files.Where(f => f.Type == EntryType.Regular).ToList();
        _progress = new ProgressTracker(_request.Progress, _context.Time, regular.Count, regular.Sum(f => f.Size));
        BoundedParallel.For(regular.Count, _context.Concurrency, _cancellation, (i, token) =>
        {
            FileRecord file = regular[i];
            Verify(Ingest(Path.Join(filesRoot, file.RelativePath), present[file.RelativePath], token), file, where);
        });
        return new Contents(_request.Name ?? envelope.Name, _request.Version ?? envelope.Version, envelope.CreatedNs, envelope.Files);
    }

    private static byte[] ReadEnvelopeFile(UnixDirectory top, string where)
    {
        UnixDirectory.Entry entry = UnixDirectory.EntryOf(ExportEnvelope.FileName);
        if (top.Stat(entry) is not { IsRegularFile: true } status)
        {
            throw SnapshotterException.Corrupt(
                $"{where} holds no {ExportEnvelope.FileName}: it is not an export directory, or its export did not finish ({ExportEnvelope.FileName} is written last)");
        }

        if (status.Size > EnvelopeCodec.MaxEnvelopeBytes)
        {
            throw SnapshotterException.Corrupt($"{where}: {ExportEnvelope.FileName} has {status.Size} bytes, more than an envelope holds");
        }

        using UnixFile file = top.OpenFile(entry) ?? throw SnapshotterException.Corrupt($"{where}: {ExportEnvelope.FileName} disappeared");
        byte[] json = new byte[status.Size];
        return file.Read(0, json) == json.Length ? json : throw SnapshotterException.Corrupt($"{where}: {ExportEnvelope.FileName} shrank while being read");
    }

    /// <summary>Stores one file of an export directory, its digest pinned by the lease before the store is checked.</summary>
    private StagedContent Ingest(string path, FileStatus walked, CancellationToken token)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            using UnixFile file = UnixFile.OpenRead(path, followSymlinks: false);
            FileStatus status = file.Stat();
            if (!status.IsSameInode(walked) || status.Size != walked.Size)
            {
                throw new SnapshotterException(ErrorCode.IO, $"'{path}' changed while it was being imported");
            }

            long data = 0;
            IngestResult result = _context.Store.Ingest(file, status, readOnly: false, buffer, n =>
            {
                data += n;
                _progress.AddBytes(n);
            }, token, _lease!.PinContent);
            var staged = new StagedContent(result.Digest, result.Size, result.EncodedSize, result.PendingId is { } pending ? _context.Store.PendingPath(pending) : null);
            Track(staged, data);
            _progress.FileDone(status.Size - data);
            return staged;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private StagedContent Stage(TarReader reader, TarEntry entry, byte[] buffer)
    {
        long data = 0;
        StagedContent staged = _context.Store.Stage((_, destination) => reader.ReadData(destination), $"archive member '{TarFormat.Display(entry.Member.Name)}'", entry.Size, entry.Extents, buffer, n =>
        {
            data += n;
            _progress.AddBytes(n);
        }, _lease!.PinContent, _cancellation);
        Track(staged, data);
        _progress.FileDone(entry.Size - data);
        return staged;
    }

    private void Track(StagedContent staged, long dataBytes)
    {
        lock (_staged)
        {
            _staged.Add(staged);
        }

        _stats.Read(dataBytes);
        if (staged.New)
        {
            _stats.Wrote(staged.EncodedSize);
        }
        else
        {
            _stats.Reused();
        }
    }

    private static byte[] ReadWhole(TarReader reader, TarEntry entry, string where)
    {
        if (entry.Size > EnvelopeCodec.MaxEnvelopeBytes || entry.DataBytes != entry.Size)
        {
            throw SnapshotterException.Corrupt($"{where}: {ExportEnvelope.FileName} of {entry.Size} bytes is not an envelope");
        }

        byte[] json = new byte[entry.Size];
        reader.ReadData(json);
        return json;
    }

    private static void Verify(StagedContent content, FileRecord expected, string where)
    {
        if (content.Digest != expected.Digest || content.Size != expected.Size)
        {
            throw SnapshotterException.Corrupt(
                $"{where}: '{expected.RelativePath}' does not match {ExportEnvelope.FileName}: its data hashes to {content.Digest} ({content.Size} bytes), {ExportEnvelope.FileName} records {expected.Digest} ({expected.Size} bytes)");
        }
    }

    /// <summary>Fails early, before the data is read, when name:version exists with other files.</summary>
    private void RefuseConflictingSnapshot(string name, string version, IReadOnlyList<FileRecord> files)
    {
        if (_context.Metadata.FindCommitted(name, version) is { } existing && Difference(_context.Metadata.GetFiles(existing.Id), files) is { } difference)
        {
            throw SnapshotterException.AlreadyExists($"snapshot '{name}:{version}' already exists and differs from the import ({difference}); import it under another name and version");
        }
    }

    /// <summary>The first difference between two snapshots' files, or null when they are identical.</summary>
    private static string? Difference(IReadOnlyList<FileRecord> existing, IReadOnlyList<FileRecord> imported)
    {
        Dictionary<string, FileRecord> byPath = existing.ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        foreach (FileRecord file in imported)
        {
            if (!byPath.Remove(file.RelativePath, out FileRecord? other))
            {
                return $"'{file.RelativePath}' is new";
            }

            if (other.Digest != file.Digest || other.Size != file.Size || other.Mode != file.Mode || other.Uid != file.Uid || other.Gid != file.Gid
                || other.ModificationTimeNs != file.ModificationTimeNs || other.ReadOnly != file.ReadOnly)
            {
                return $"'{file.RelativePath}' differs";
            }
        }

        return byPath.Count > 0 ? $"'{byPath.Keys.First()}' is missing" : null;
    }

    /// <summary>
    /// Reserves name:version (an identical snapshot already there is success), links the new content into place,
    /// and commits. The lease pins every digest, so the commit's check that all content is still stored fails only
    /// if something removed it behind the store's back; new content is then linked again, a bounded number of
    /// times.
    /// </summary>
    private void Commit(Contents contents)
    {
        _cancellation.ThrowIfCancellationRequested();
        long pendingId;
        try
        {
            pendingId = _context.Metadata.InsertPending(contents.Name, contents.Version, _context.NowNs, _context.Owner.Token, _context.IsOwnerAlive);
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.AlreadyExists
            && _context.Metadata.FindCommitted(contents.Name, contents.Version) is { } existing
            && Difference(_context.Metadata.GetFiles(existing.Id), contents.Files) is null)
        {
            return;
        }

        try
        {
            Dictionary<Digest, StagedContent> byDigest = _staged.GroupBy(s => s.Digest).ToDictionary(g => g.Key, g => g.FirstOrDefault(s => s.New, g.First()));
            // New content from a directory was not pinned when it was ingested: it is, before it is placed.
            _lease!.PinContent(byDigest.Keys);
            var durability = new Durability();
            durability.Track(_context.Store.ContentDir);
            durability.Flush();
            foreach (StagedContent staged in byDigest.Values)
            {
                _context.Store.Place(staged);
            }

            durability.Flush();
            ContentRecord[] records = byDigest.Values.Select(s => new ContentRecord(s.Digest, s.Size, s.EncodedSize)).ToArray();
            CommitRetry.Run(
                () => _context.Metadata.Commit(pendingId, contents.Files, records, _context.NowNs, _context.Store.HasContent, contents.CreatedNs),
                missing =>
                {
                    foreach (Digest digest in missing)
                    {
                        _context.Store.Place(byDigest[digest]);
                    }

                    durability.Flush();
                },
                "while the import was being committed; import it again");
            _context.Recovery.TryWrite(_context.Metadata, contents.Name, contents.Version);
        }
        catch
        {
            try
            {
                _context.Metadata.DeletePending(pendingId);
            }
            catch (Exception e)
            {
                // Recovery at the next open drops the reservation; the original error matters more.
                LibraryLog.Write(LogLevel.Warning, $"import: reservation {pendingId} stays until the next open: dropping it failed: {e.Message}");
            }

            throw;
        }
    }
}
