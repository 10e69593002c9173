using System.Collections.Concurrent;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// Makes a batch of writes durable with one syncfs(2) per filesystem instead of one fsync per file: an
/// operation writes all of its files under temporary names, calls <see cref="Flush"/>, renames them into
/// place, and calls <see cref="Flush"/> again so the renames survive too. Thousands of small files then cost
/// two journal commits instead of thousands.
/// </summary>
internal sealed class Durability
{
    private readonly ConcurrentDictionary<ulong, string> _directoriesByDevice = new();

    /// <summary>Directories whose filesystem is noted already: many files written to one directory stat it once.</summary>
    private readonly ConcurrentDictionary<string, byte> _trackedDirectories = new(StringComparer.Ordinal);

    /// <summary>Notes that something under <paramref name="directory"/> must be made durable.</summary>
    public void Track(string directory, ulong device) => _directoriesByDevice.TryAdd(device, directory);

    public void Track(string directory)
    {
        if (!_trackedDirectories.TryAdd(directory, 0))
        {
            return;
        }

        FileStatus status = UnixPath.TryStat(directory, followSymlinks: true)
            ?? throw SnapshotterException.NotFound($"directory '{directory}' disappeared");
        Track(directory, status.Device);
    }

    /// <summary>Notes that something in the open <paramref name="directory"/> must be made durable.</summary>
    public void Track(TreeDirectory directory)
    {
        if (_trackedDirectories.TryAdd(directory.Path, 0))
        {
            Track(directory.Path, directory.Status().Device);
        }
    }

    public void Flush()
    {
        foreach (string directory in _directoriesByDevice.Values)
        {
            using var dir = UnixFile.OpenDirectory(directory);
            if (Libc.SyncFs(dir.Fd) != 0)
            {
                throw Errno.LastException("sync filesystem of", directory);
            }
        }
    }
}
