using System.Buffers;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Providers;

/// <summary>
/// The embedded content provider: a directory, local or on NFS, holding xxh3/&lt;hex&gt; objects under the same
/// names as object storage, so snapshots can move between machines without any server.
/// </summary>
internal sealed class DirectoryContentProvider : IContentProvider
{
    private const string TempPrefix = ".upload-";
    private const uint ObjectMode = 0x124; // 0444
    private const long ProgressSliceBytes = 16 << 20;
    private readonly string _objectsDir;

    public DirectoryContentProvider(string directory)
    {
        if (!Path.IsPathRooted(directory))
        {
            throw SnapshotterException.InvalidArgument($"content directory '{directory}' must be an absolute path");
        }

        _objectsDir = Path.Join(directory, Digest.Algorithm);
        Location = "dir:" + directory;
    }

    public string Location { get; }

    public void Upload(Digest digest, string contentPath, CancellationToken cancellation)
    {
        string target = Path.Join(_objectsDir, digest.Hex);
        if (UnixPath.TryStat(target, followSymlinks: true) is { IsRegularFile: true })
        {
            return;
        }

        UnixPath.CreateDirectories(_objectsDir);
        string temp = UnixPath.TempPathIn(_objectsDir, TempPrefix);
        try
        {
            Copy(contentPath, temp, onBytes: null, cancellation, mode: ObjectMode, sync: true);
            UnixPath.RenameNoReplace(temp, target);
            UnixPath.SyncDirectory(_objectsDir);
        }
        finally
        {
            UnixPath.TryDeleteFile(temp);
        }
    }

    public void Download(Digest digest, string stagingPath, Action<long>? onBytes, CancellationToken cancellation)
    {
        string source = Path.Join(_objectsDir, digest.Hex);
        if (UnixPath.TryStat(source, followSymlinks: true) is not { IsRegularFile: true })
        {
            throw SnapshotterException.NotFound($"content {digest} is not in {Location}");
        }

        Copy(source, stagingPath, onBytes, cancellation, mode: 0x180, sync: false);
    }

    private static void Copy(string sourcePath, string targetPath, Action<long>? onBytes, CancellationToken cancellation, uint mode, bool sync)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var source = UnixFile.OpenRead(sourcePath);
            using var target = UnixFile.CreateNew(targetPath, mode);
            long length = source.Stat().Size;
            // In slices, so that a restore reports progress while a large object arrives.
            for (long offset = 0; offset < length; offset += ProgressSliceBytes)
            {
                long slice = Math.Min(ProgressSliceBytes, length - offset);
                FileCopy.Copy(source, offset, target, offset, slice, buffer, cancellation);
                onBytes?.Invoke(slice);
            }
            if (sync)
            {
                target.Sync(dataOnly: true);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
