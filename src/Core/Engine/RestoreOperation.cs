using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// One restore call. It plans first (which targets are absent, already identical, or different) and fails
/// before writing anything if a different file is in the way without overwrite. Read-only files become
/// hardlinks of the stored inode when that inode carries exactly the recorded mode, owner and mtime (so it
/// never needs chmod or chtimes); everything else is decoded from the store into a temporary file beside its
/// target, verified against its digest in the same pass, made durable in one batch, then renamed into place.
/// </summary>
internal sealed class RestoreOperation
{
    private const string TempPrefix = ".snapshotter-restore-";
    private const uint TempFileMode = 0x180; // 0600

    private readonly EngineContext _context;
    private readonly RestoreRequest _request;
    private readonly CancellationToken _cancellation;
    private readonly StatsCounter _stats = new();
    private readonly bool _restoreOwner = Libc.GetEuid() == 0;
    private readonly ConcurrentDictionary<string, Staged> _staged = new(StringComparer.Ordinal);
    private readonly Durability _durability = new();

    public RestoreOperation(EngineContext context, RestoreRequest request, CancellationToken cancellation)
    {
        _context = context;
        _request = request;
        _cancellation = cancellation;
    }

    private enum TargetState
    {
        Absent,
        Identical,
        Different,
    }

    private enum ParentState
    {
        /// <summary>Every parent directory exists (inside the output dir).</summary>
        Present,

        /// <summary>Some parent does not exist yet, so neither does the target.</summary>
        Missing,

        /// <summary>A parent path is taken by something that is not a directory.</summary>
        BlockedByFile,
    }

    private readonly record struct Staged(string Target, FileRecord File, bool Replace);

    public OperationStats Run()
    {
        long started = Stopwatch.GetTimestamp();
        _cancellation.ThrowIfCancellationRequested();
        SnapshotRecord snapshot = Catalog.Find(_context, _request.Snapshot());
        List<FileRecord> files = _context.Metadata.GetFiles(snapshot.Id);
        foreach (FileRecord file in files)
        {
            if (RelativePath.Normalize(file.RelativePath) != file.RelativePath)
            {
                throw SnapshotterException.Corrupt($"snapshot '{snapshot.Name}:{snapshot.Version}' records a non-canonical path '{file.RelativePath}'");
            }
        }

        EnsureContentPresent(files);
        long totalBytes = files.Sum(f => f.Size);
        var progress = new ProgressTracker(_request.Progress, _context.Time, files.Count, totalBytes);
        if (_request.OutputDir is null)
        {
            progress.FileDone(totalBytes, files.Count);
            _context.Metadata.Touch(snapshot.Id, _context.NowNs);
            progress.Complete();
            return _stats.ToStats(files.Count, totalBytes, Stopwatch.GetElapsedTime(started));
        }

        if (_request.OutputDir.Length == 0)
        {
            throw SnapshotterException.InvalidArgument("output_dir is empty: pass a directory, or none to only make sure the content is local");
        }

        if (UnixPath.TryStat(_request.OutputDir, followSymlinks: true) is { IsDirectory: false })
        {
            throw SnapshotterException.InvalidArgument($"output_dir '{_request.OutputDir}' is not a directory");
        }

        UnixPath.CreateDirectories(_request.OutputDir);
        string outputDir = SnapshotOperation.ResolveDirectory(_request.OutputDir, "output_dir");
        TargetState[] states = Plan(files, outputDir);

        _durability.Track(_context.Store.SnapshotDir);
        try
        {
            BoundedParallel.For(files.Count, _context.Concurrency, _cancellation, (i, token) =>
            {
                if (states[i] == TargetState.Identical)
                {
                    _stats.Reused();
                    progress.FileDone(files[i].Size);
                    return;
                }

                Stage(files[i], outputDir, states[i] == TargetState.Different, progress, token);
            });

            _durability.Flush();
            foreach ((string temp, Staged staged) in _staged)
            {
                _cancellation.ThrowIfCancellationRequested();
                Place(temp, staged);
                _staged.TryRemove(temp, out _);
            }

            _durability.Flush();
        }
        finally
        {
            foreach (string temp in _staged.Keys)
            {
                UnixPath.TryDeleteFile(temp);
            }
        }

        _context.Metadata.Touch(snapshot.Id, _context.NowNs);
        progress.Complete();
        return _stats.ToStats(files.Count, totalBytes, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Makes sure every file's content is in the local store, fetching what is missing from the
    /// content provider; without one, missing content is NOT_FOUND naming the digest.</summary>
    private void EnsureContentPresent(List<FileRecord> files)
    {
        var missing = new List<FileRecord>();
        foreach (FileRecord file in files)
        {
            _cancellation.ThrowIfCancellationRequested();
            if (!_context.Store.HasContent(file.Digest) && !(file.ReadOnly && StoredInodeMatches(file) is not null))
            {
                missing.Add(file);
            }
        }

        if (missing.Count == 0)
        {
            return;
        }

        if (_context.ContentProvider is not { } provider)
        {
            throw SnapshotterException.NotFound($"content {missing[0].Digest} of '{missing[0].RelativePath}' is not in the local store and no content provider is configured");
        }

        List<Digest> digests = missing.Select(f => f.Digest).Distinct().ToList();
        BoundedParallel.For(digests.Count, _context.Concurrency, _cancellation, (i, token) =>
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
            try
            {
                _context.Store.Fetch(provider, digests[i], buffer, onBytes: null, token);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }

    /// <summary>Decides for each file whether its target is absent, identical or different, writing nothing.</summary>
    private TargetState[] Plan(List<FileRecord> files, string outputDir)
    {
        var states = new TargetState[files.Count];
        BoundedParallel.For(files.Count, _context.Concurrency, _cancellation, (i, token) =>
        {
            FileRecord file = files[i];
            string target = Path.Join(outputDir, file.RelativePath);
            states[i] = WalkParents(outputDir, file.RelativePath, create: false) switch
            {
                ParentState.Missing => TargetState.Absent,
                ParentState.BlockedByFile => TargetState.Different,
                _ => UnixPath.TryStat(target, followSymlinks: false) switch
                {
                    null => TargetState.Absent,
                    { IsDirectory: true } => throw SnapshotterException.AlreadyExists($"'{file.RelativePath}' exists in output_dir as a directory"),
                    { } status => IsIdentical(file, target, status, token) ? TargetState.Identical : TargetState.Different,
                },
            };
        });

        if (!_request.Overwrite)
        {
            int different = states.Count(s => s == TargetState.Different);
            if (different > 0)
            {
                string first = files[Array.IndexOf(states, TargetState.Different)].RelativePath;
                throw SnapshotterException.AlreadyExists(
                    $"{different} file(s) in output_dir '{outputDir}' differ from the snapshot, the first is '{first}'; nothing was written (restore with overwrite to replace them)");
            }
        }

        return states;
    }

    private bool IsIdentical(FileRecord file, string target, in FileStatus status, CancellationToken token)
    {
        if (!status.IsRegularFile || !AttributesMatch(file, status))
        {
            return false;
        }

        if (StoredInodeMatches(file) is { } stored && stored.IsSameInode(status))
        {
            // A link of the stored inode is right for a read-only entry; a writable one must be a private copy,
            // or writing to it would rewrite the store (and the original it was linked from).
            return file.ReadOnly;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            using var existing = UnixFile.OpenRead(target, followSymlinks: false);
            return ContentStore.DigestOf(existing, status.Size, buffer, token) == file.Digest;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool AttributesMatch(FileRecord file, in FileStatus status) =>
        status.Size == file.Size
        && status.Permissions == file.Mode
        && status.ModificationTimeNs == file.ModificationTimeNs
        && (!_restoreOwner || (status.Uid == file.Uid && status.Gid == file.Gid));

    /// <summary>The stored read-only inode, when it is a regular file carrying exactly the recorded attributes.</summary>
    private FileStatus? StoredInodeMatches(FileRecord file) =>
        UnixPath.TryStat(_context.Store.SnapshotPath(file.Digest), followSymlinks: false) is { IsRegularFile: true } stored && AttributesMatch(file, stored)
            ? stored
            : null;

    private void Stage(FileRecord file, string outputDir, bool replace, ProgressTracker progress, CancellationToken token)
    {
        string target = Path.Join(outputDir, file.RelativePath);
        string parent = Path.GetDirectoryName(target)!;
        WalkParents(outputDir, file.RelativePath, create: true);
        _durability.Track(parent);

        if (file.ReadOnly && TryLink(file, target, parent, replace))
        {
            _stats.Linked();
            progress.FileDone(file.Size);
            return;
        }

        string temp = UnixPath.TempPathIn(parent, TempPrefix);
        _staged[temp] = new Staged(target, file, replace);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
        try
        {
            long dataBytes = 0;
            using var output = UnixFile.CreateNew(temp, TempFileMode);
            _stats.Read(_context.Store.DecodeInto(file.Digest, output, buffer, n =>
            {
                dataBytes += n;
                progress.AddBytes(n);
            }, token));
            ContentStore.ApplyAttributes(output, file.Mode, file.Uid, file.Gid, file.ModificationTimeNs, _restoreOwner);
            _stats.Wrote(dataBytes);
            progress.FileDone(file.Size - dataBytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Hardlinks the stored inode to the target when it carries the recorded attributes, recreating it from the
    /// content when it is missing. Returns false when a private copy is needed instead.
    /// </summary>
    private bool TryLink(FileRecord file, string target, string parent, bool replace)
    {
        string stored = _context.Store.SnapshotPath(file.Digest);
        if (UnixPath.TryStat(stored, followSymlinks: false) is null && _context.Store.HasContent(file.Digest))
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(_context.BufferBytes);
            try
            {
                _context.Store.MaterializeSnapshotFile(file.Digest, _context.Store.ContentPath(file.Digest), file.Mode, file.Uid, file.Gid, file.ModificationTimeNs, _restoreOwner, buffer, _cancellation);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        if (StoredInodeMatches(file) is null)
        {
            return false;
        }

        string linkPath = replace ? UnixPath.TempPathIn(parent, TempPrefix) : target;
        int errno = UnixPath.TryLink(stored, linkPath);
        if (errno is Errno.EXDEV or Errno.EMLINK or Errno.EPERM)
        {
            return false;
        }

        if (errno == Errno.EEXIST && !replace)
        {
            // Another call restored the same path meanwhile: fine if it is what this snapshot holds.
            return AppearedIdentical(file, target) || (_request.Overwrite && TryLink(file, target, parent, replace: true));
        }

        if (errno != 0)
        {
            throw Errno.Exception(errno, "link", linkPath);
        }

        if (replace)
        {
            _staged[linkPath] = new Staged(target, file, Replace: true);
        }

        return true;
    }

    private void Place(string temp, Staged staged)
    {
        if (staged.Replace)
        {
            UnixPath.Rename(temp, staged.Target);
        }
        else if (!UnixPath.RenameNoReplace(temp, staged.Target))
        {
            // Another call restored the same path meanwhile: keep its file if it is what this snapshot holds.
            if (AppearedIdentical(staged.File, staged.Target))
            {
                UnixPath.TryDeleteFile(temp);
            }
            else if (_request.Overwrite)
            {
                UnixPath.Rename(temp, staged.Target);
            }
            else
            {
                throw SnapshotterException.AlreadyExists($"'{staged.File.RelativePath}' appeared in output_dir while it was being restored, and differs from the snapshot");
            }
        }
    }

    private bool AppearedIdentical(FileRecord file, string target) =>
        UnixPath.TryStat(target, followSymlinks: false) is { } status && IsIdentical(file, target, status, _cancellation);

    /// <summary>
    /// Walks the parent directories of a target, refusing any that resolves outside the output dir (an
    /// existing symlink pointing away). With <paramref name="create"/>, missing parents are made and a
    /// non-directory in the way is replaced when overwriting (the planning pass has already refused it
    /// otherwise).
    /// </summary>
    private ParentState WalkParents(string outputDir, string relativePath, bool create)
    {
        string[] parts = relativePath.Split('/');
        string current = outputDir;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Join(current, parts[i]);
            FileStatus? status = UnixPath.TryStat(current, followSymlinks: false);
            if (status is { IsSymlink: true })
            {
                string resolved = UnixPath.RealPath(current);
                if (!RelativePath.IsInside(resolved, outputDir))
                {
                    throw SnapshotterException.InvalidArgument($"'{relativePath}' would be restored through '{current}', which resolves to '{resolved}', outside output_dir '{outputDir}'");
                }

                status = UnixPath.TryStat(resolved, followSymlinks: false);
            }

            if (status is { IsDirectory: true })
            {
                continue;
            }

            if (!create)
            {
                return status is null ? ParentState.Missing : ParentState.BlockedByFile;
            }

            if (status is not null)
            {
                if (!_request.Overwrite)
                {
                    throw SnapshotterException.AlreadyExists($"'{current}' is in the way of '{relativePath}' and is not a directory");
                }

                UnixPath.DeleteFile(current);
            }

            UnixPath.CreateDirectories(current);
        }

        return ParentState.Present;
    }
}
