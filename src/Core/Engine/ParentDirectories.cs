using System.Collections.Concurrent;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// The parent directories of a restore's targets during one pass over its files (planning or staging), each
/// checked once per pass rather than once per file: many files share few directories. A parent is refused when
/// it resolves outside the output dir (an existing symlink pointing away); the staging pass creates missing
/// parents and replaces a non-directory in the way when overwriting (without overwrite the planning pass has
/// already refused it). Thread-safe, as both passes run on several threads; walks racing to a parent nobody has
/// recorded yet may each check it, which costs no more than a repeated stat.
/// <para>
/// Why checking once per pass is as safe as checking per file: within a pass, nothing the restore does turns a
/// directory into anything else (staging only replaces non-directories, and only under a lock, looking again
/// first), so what a pass found stays true unless someone else rearranges the output dir while it runs. The check
/// never defended against that: every later step goes by path, and the final renames come only after the whole
/// staging pass, so a parent swapped for a symlink after the last check below it was followed before too. Checking
/// once per pass only moves the start of that window from a parent's last check to its first one. Staging records
/// only parents it found or made directories; a refused parent is never recorded (it fails the restore).
/// </para>
/// <para>
/// Planning's findings are not carried into staging, which starts afresh: content may be fetched for a long time
/// between the two, and staging's own check, right before anything is written, is what refuses a symlink put in
/// place meanwhile. A parent planning found missing or blocked by a file is also exactly what staging changes.
/// That costs one more check per directory, not per file.
/// </para>
/// </summary>
internal sealed class ParentDirectories
{
    private readonly string _outputDir;
    private readonly bool _create;
    private readonly bool _overwrite;

    /// <summary>What this pass found at each parent, by its path relative to the output dir.</summary>
    private readonly ConcurrentDictionary<string, ParentState> _found = new(StringComparer.Ordinal);

    /// <summary>Held while staging creates or replaces a parent, so two walks never both replace the same one.</summary>
    private readonly Lock _changing = new();

    private ParentDirectories(string outputDir, bool create, bool overwrite)
    {
        _outputDir = outputDir;
        _create = create;
        _overwrite = overwrite;
    }

    /// <summary>For planning: finds what is there and changes nothing.</summary>
    public static ParentDirectories ForPlanning(string outputDir) => new(outputDir, create: false, overwrite: false);

    /// <summary>For staging: makes every parent a directory, or fails.</summary>
    public static ParentDirectories ForStaging(string outputDir, bool overwrite) => new(outputDir, create: true, overwrite);

    /// <summary>
    /// Walks the parents of a target, starting below the deepest one this pass already knows. When staging, the
    /// answer is always <see cref="ParentState.Present"/> (or an exception).
    /// </summary>
    public ParentState Walk(string relativePath)
    {
        int last = relativePath.LastIndexOf('/');
        int known = last;
        while (known > 0)
        {
            if (_found.TryGetValue(relativePath[..known], out ParentState state))
            {
                // A parent known to be missing or blocked answers for everything below it (planning only).
                if (state != ParentState.Present)
                {
                    return state;
                }

                break;
            }

            known = relativePath.LastIndexOf('/', known - 1);
        }

        for (int end = known; end < last;)
        {
            end = relativePath.IndexOf('/', end + 1);
            string directory = relativePath[..end];
            ParentState state = Check(directory, relativePath);
            _found.TryAdd(directory, state);
            if (state != ParentState.Present)
            {
                return state;
            }
        }

        return ParentState.Present;
    }

    private ParentState Check(string directory, string relativePath)
    {
        string path = Path.Join(_outputDir, directory);
        FileStatus? status = Inspect(path, relativePath);
        if (status is { IsDirectory: true })
        {
            return ParentState.Present;
        }

        if (!_create)
        {
            return status is null ? ParentState.Missing : ParentState.BlockedByFile;
        }

        lock (_changing)
        {
            // Another target's walk may have made it a directory meanwhile.
            status = Inspect(path, relativePath);
            if (status is { IsDirectory: true })
            {
                return ParentState.Present;
            }

            if (status is not null)
            {
                if (!_overwrite)
                {
                    throw SnapshotterException.AlreadyExists($"'{path}' is in the way of '{relativePath}' and is not a directory");
                }

                UnixPath.DeleteFile(path);
            }

            UnixPath.CreateDirectories(path);
        }

        return ParentState.Present;
    }

    /// <summary>What is at a parent's path, through a symlink when it is one; refused if that leads outside the output dir.</summary>
    private FileStatus? Inspect(string path, string relativePath)
    {
        FileStatus? status = UnixPath.TryStat(path, followSymlinks: false);
        if (status is not { IsSymlink: true })
        {
            return status;
        }

        string resolved = UnixPath.RealPath(path);
        if (!RelativePath.IsInside(resolved, _outputDir))
        {
            throw SnapshotterException.InvalidArgument($"'{relativePath}' would be restored through '{path}', which resolves to '{resolved}', outside output_dir '{_outputDir}'");
        }

        return UnixPath.TryStat(resolved, followSymlinks: false);
    }
}
