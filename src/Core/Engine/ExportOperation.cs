using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using Snapshotter.Archive;
using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Progress;

namespace Snapshotter.Engine;

/// <summary>
/// One export call. A tar stream holds snapshot.json (the envelope) first, then each entry under files/ as the
/// member GNU tar would write for it (directories, symlinks, hard links, devices, FIFOs; owners, modes with
/// setuid/setgid/sticky, nanosecond mtimes and extended attributes in pax records), regular files with their
/// holes in GNU sparse format 1.0, every byte verified against its digest as it is read from the store; the
/// stream is written in order, so a failed export leaves a truncated stream the caller must discard (its
/// missing end-of-archive marker makes any reader refuse it). A directory export restores the files as private
/// copies under files/ and then writes snapshot.json atomically: until it exists the directory is incomplete.
/// The call's lease pins the snapshot, so no collection evicts it (nor its content) while it is exported.
/// </summary>
internal sealed class ExportOperation
{
    /// <summary>Large writes, so gzip and pipes see few calls.</summary>
    private const int StreamBufferBytes = 1 << 20;
    private const uint EnvelopeFileMode = 0x1A4; // 0644

    private readonly EngineContext _context;
    private readonly ExportRequest _request;
    private readonly CancellationToken _cancellation;

    public ExportOperation(EngineContext context, ExportRequest request, CancellationToken cancellation)
    {
        _context = context;
        _request = request;
        _cancellation = cancellation;
    }

    public OperationStats Run()
    {
        long started = Stopwatch.GetTimestamp();
        StreamOrDirectory.Require(_request.Descriptor, _request.OutputDir, "output_dir", "(a directory) to export to");

        if (_request.OutputDir is not null && _request.Gzip)
        {
            throw SnapshotterException.InvalidArgument("gzip compresses a tar stream; an export to output_dir writes plain files");
        }

        using var lease = Lease.Acquire(_context, $"export {_request.Target}");
        SnapshotRecord snapshot = Catalog.FindAndPin(_context, _request.Snapshot, lease);
        List<FileRecord> files = _context.Metadata.GetFiles(snapshot.Id);
        OperationStats stats = _request.Descriptor is { } fd
            ? ExportTar(snapshot, files, fd, started)
            : ExportDirectory(snapshot, files, _request.OutputDir!, started);
        _context.Metadata.Touch(snapshot.Id, _context.NowNs);
        return stats;
    }

    private OperationStats ExportTar(SnapshotRecord snapshot, List<FileRecord> files, int fd, long started)
    {
        List<FileRecord> missing = LocalContent.Missing(_context, new TargetComparer(_context), files, linkedCopyWillDo: true, _cancellation);
        long totalBytes = files.Where(f => f.Type == EntryType.Regular).Sum(f => f.Size);
        var progress = new ProgressTracker(_request.Progress, _context.Time, files.Count, totalBytes + missing.Sum(f => f.Size));
        LocalContent.Fetch(_context, missing, progress, _cancellation);
        var stats = new StatsCounter();
        var output = new DescriptorStream(fd, writing: true, _cancellation);
        Stream compressed = _request.Gzip ? new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true) : output;
        var buffered = new BufferedStream(compressed, StreamBufferBytes);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            var tar = new TarWriter(buffered);
            byte[] envelope = EnvelopeCodec.Encode(snapshot, files);
            tar.BeginFile(new TarMember(PathEncoding.GetBytes(ExportEnvelope.FileName), TarFormat.RegularType, new TarFileMeta(EnvelopeFileMode, 0, 0, snapshot.CreatedNs)), envelope.Length);
            tar.WriteData(envelope);
            tar.EndEntry();

            // In path order, parents before children. Of the paths sharing an inode, the first carries the data and
            // the others link to it, as GNU tar archives them: extraction then creates each link in its place,
            // after the file it names and before its directory's mtime is set.
            var firstOfInode = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (FileRecord entry in files.OrderBy(f => f.RelativePath, PathOrder.Instance))
            {
                _cancellation.ThrowIfCancellationRequested();
                string? first = null;
                if (entry.HasContent)
                {
                    string inode = entry.Type == EntryType.Hardlink ? entry.LinkTarget! : entry.RelativePath;
                    first = firstOfInode.TryAdd(inode, entry.RelativePath) ? null : firstOfInode[inode];
                }

                WriteEntry(tar, entry, first, buffer, stats, progress);
            }

            tar.Finish();

            // Only a complete stream is flushed and closed: after a failure, what the buffers hold is left unwritten
            // (the stream is void, and a write to a descriptor that just failed would only hide the first error);
            // gzip's native state is then released by its safe handle.
            buffered.Dispose();
            compressed.Dispose();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        stats.Wrote(output.Position);
        progress.Complete();
        return stats.ToStats(files.Count, totalBytes, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>One entry as a member under files/: an entry with content as a regular file with its data (read from
    /// the store, verified against its digest, holes kept), or as a hard link to <paramref name="linkTo"/> when an
    /// earlier member has the inode; every other type as its header alone.</summary>
    private void WriteEntry(TarWriter tar, FileRecord entry, string? linkTo, byte[] buffer, StatsCounter stats, ProgressTracker progress)
    {
        var member = new TarMember(
            InFilesDirectory(entry.RelativePath),
            entry.HasContent ? TarFormat.RegularType : (byte)('0' + (int)entry.Type),
            new TarFileMeta(entry.Mode, entry.Uid, entry.Gid, entry.ModificationTimeNs))
        {
            Xattrs = entry.Xattrs?.Entries ?? [],
        };
        if (!entry.HasContent || linkTo is not null)
        {
            // A hard link's inode attributes travel with the member that carries its data.
            tar.WriteMember(linkTo is not null ? member with { Type = TarFormat.HardLinkType, LinkName = InFilesDirectory(linkTo), Xattrs = [] }
                : entry.Type == EntryType.Symlink ? member with { LinkName = PathEncoding.GetBytes(entry.LinkTarget!) }
                : member with { DevMajor = entry.DeviceMajor, DevMinor = entry.DeviceMinor });
            progress.FileDone(0);
            return;
        }

        Digest digest = entry.ContentDigest;
        using var content = StoredContent.Open(_context.Store, entry, storedInode: !_context.Store.HasContent(digest));
        if (content.Size != entry.Size)
        {
            throw SnapshotterException.Corrupt($"content {digest} of '{PathEncoding.Printable(entry.RelativePath)}' holds {content.Size} bytes; the snapshot records {entry.Size}");
        }

        if (content.IsDense)
        {
            tar.BeginFile(member, entry.Size);
        }
        else
        {
            tar.BeginSparseFile(member, entry.Size, content.Extents);
        }

        long data = content.CopyTo(tar.WriteData, buffer, progress.AddBytes, _cancellation);
        tar.EndEntry();
        stats.Read(data);
        progress.FileDone(entry.Size - data);
    }

    private static byte[] InFilesDirectory(string relativePath) => PathEncoding.GetBytes($"{ExportEnvelope.FilesDirectory}/{relativePath}");

    private OperationStats ExportDirectory(SnapshotRecord snapshot, List<FileRecord> files, string outputDir, long started)
    {
        if (outputDir.Length == 0)
        {
            throw SnapshotterException.InvalidArgument("output_dir is empty");
        }

        switch (UnixPath.TryStat(outputDir, followSymlinks: true))
        {
            case { IsDirectory: false }:
                throw SnapshotterException.InvalidArgument($"output_dir '{outputDir}' is not a directory");
            case { IsDirectory: true } when Directory.EnumerateFileSystemEntries(outputDir).Any():
                throw SnapshotterException.AlreadyExists($"output_dir '{outputDir}' is not empty; an export goes into a new or empty directory");
        }

        UnixPath.CreateDirectories(outputDir);
        string root = UnixPath.ResolveDirectory(outputDir, "output_dir");
        string filesDir = Path.Join(root, ExportEnvelope.FilesDirectory);
        UnixPath.CreateDirectories(filesDir);
        OperationStats restored = new RestoreOperation(_context, new RestoreRequest
        {
            Reference = SnapshotReference.Exact(snapshot.Name, snapshot.Version),
            OutputDir = filesDir,
            PrivateCopies = true,
            Progress = _request.Progress,
        }, _cancellation).Run();

        _cancellation.ThrowIfCancellationRequested();
        byte[] envelope = EnvelopeCodec.Encode(snapshot, files);
        string temp = UnixPath.TempPathIn(root, $".{ExportEnvelope.FileName}-");
        try
        {
            using (var file = UnixFile.CreateNew(temp, EnvelopeFileMode))
            {
                file.Write(0, envelope);
                file.Sync();
            }

            UnixPath.Rename(temp, Path.Join(root, ExportEnvelope.FileName));
            UnixPath.SyncDirectory(root);
        }
        finally
        {
            UnixPath.TryDeleteFile(temp);
        }

        return restored with { BytesWritten = restored.BytesWritten + envelope.Length, Elapsed = Stopwatch.GetElapsedTime(started) };
    }
}
