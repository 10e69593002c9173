using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Snapshotter.Archive;
using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Progress;

namespace Snapshotter.Engine;

/// <summary>
/// One export call. A tar stream holds snapshot.json (the envelope) first, then each file under files/, with
/// its holes in GNU sparse format 1.0, every byte verified against its digest as it is read from the store; the
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
        Catalog.RequireRegularFiles(files, snapshot, "export");
        OperationStats stats = _request.Descriptor is { } fd
            ? ExportTar(snapshot, files, fd, started)
            : ExportDirectory(snapshot, files, _request.OutputDir!, started);
        _context.Metadata.Touch(snapshot.Id, _context.NowNs);
        return stats;
    }

    private OperationStats ExportTar(SnapshotRecord snapshot, List<FileRecord> files, int fd, long started)
    {
        List<FileRecord> missing = LocalContent.Missing(_context, new TargetComparer(_context), files, linkedCopyWillDo: true, _cancellation);
        long totalBytes = files.Sum(f => f.Size);
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
            tar.BeginFile(new TarMember(Encoding.UTF8.GetBytes(ExportEnvelope.FileName), TarFormat.RegularType, new TarFileMeta(EnvelopeFileMode, 0, 0, snapshot.CreatedNs)), envelope.Length);
            tar.WriteData(envelope);
            tar.EndEntry();
            foreach (FileRecord file in files.OrderBy(f => f.RelativePath, StringComparer.Ordinal))
            {
                _cancellation.ThrowIfCancellationRequested();
                bool storedInode = !_context.Store.HasContent(file.ContentDigest);
                using var content = StoredContent.Open(_context.Store, file, storedInode);
                if (content.Size != file.Size)
                {
                    throw SnapshotterException.Corrupt($"content {file.Digest} of '{file.RelativePath}' holds {content.Size} bytes; the snapshot records {file.Size}");
                }

                var member = new TarMember(
                    Encoding.UTF8.GetBytes($"{ExportEnvelope.FilesDirectory}/{file.RelativePath}"),
                    TarFormat.RegularType,
                    new TarFileMeta(file.Mode, file.Uid, file.Gid, file.ModificationTimeNs));
                if (content.IsDense)
                {
                    tar.BeginFile(member, file.Size);
                }
                else
                {
                    tar.BeginSparseFile(member, file.Size, content.Extents);
                }

                long data = content.CopyTo(tar.WriteData, buffer, progress.AddBytes, _cancellation);
                tar.EndEntry();
                stats.Read(data);
                progress.FileDone(file.Size - data);
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
