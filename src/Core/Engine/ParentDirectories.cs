using System.Collections.Concurrent;
using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// The parent directories of a restore's targets during one pass over its files (planning or staging), each
/// checked once per pass rather than once per file: many files share few directories. Every parent is looked at
/// through the output tree's descriptors (<see cref="OutputTree"/>), never following a symlink: a symlink where the
/// snapshot has a directory is in the way like a file is, whether it points inside the output dir or out of it. The
/// staging pass creates missing parents and replaces whatever is in the way when overwriting (without overwrite the
/// planning pass has already refused it). Thread-safe, as both passes run on several threads; walks racing to a
/// parent nobody has recorded yet may each check it, which costs no more than a repeated stat.
/// <para>
/// Why checking once per pass is enough: within a pass, nothing the restore does turns a directory into anything
/// else (staging only replaces non-directories, and only under a lock, looking again first). Should somebody else
/// swap a parent for a symlink after its check, the restore still cannot be led through it: every later step opens
/// the parent again beneath the output dir without following symlinks, and fails instead.
/// </para>
/// <para>
/// Planning's findings are not carried into staging, which starts afresh: content may be fetched for a long time
/// between the two, and a parent planning found missing or blocked is exactly what staging changes. That costs one
/// more check per directory, not per file.
/// </para>
/// </summary>
internal sealed class ParentDirectories
{
    private const uint OwnerWriteSearch = 0x0C0; // u+wx

    private readonly OutputTree _tree;
    private readonly bool _create;
    private readonly bool _overwrite;

    /// <summary>What this pass found at each parent, by its path relative to the output dir.</summary>
    private readonly ConcurrentDictionary<string, ParentState> _found = new(StringComparer.Ordinal);

    /// <summary>Held while staging creates or replaces a parent, so two walks never both replace the same one.</summary>
    private readonly Lock _changing = new();

    /// <summary>Directories staging gave their owner write and search permission to put entries in them (only root may
    /// write into a directory of mode 0500 otherwise), with the mode each had.</summary>
    private readonly ConcurrentDictionary<string, uint> _loosened = new(StringComparer.Ordinal);

    private readonly bool _mayNeedPermission = Libc.GetEuid() != 0;

    private ParentDirectories(OutputTree tree, bool create, bool overwrite)
    {
        _tree = tree;
        _create = create;
        _overwrite = overwrite;
    }

    /// <summary>For planning: finds what is there and changes nothing.</summary>
    public static ParentDirectories ForPlanning(OutputTree tree) => new(tree, create: false, overwrite: false);

    /// <summary>For staging: makes every parent a directory, or fails.</summary>
    public static ParentDirectories ForStaging(OutputTree tree, bool overwrite) => new(tree, create: true, overwrite);

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

    /// <summary>Gives the directories opened up for writing their mode back, but those in <paramref name="entries"/>
    /// (the snapshot's own, whose recorded mode is set anyway). Returns whether any changed.</summary>
    public bool RestoreLoosened(IEnumerable<string> entries)
    {
        var recorded = new HashSet<string>(entries, StringComparer.Ordinal);
        bool changed = false;
        foreach ((string directory, uint mode) in _loosened.Where(l => !recorded.Contains(l.Key)).OrderByDescending(l => l.Key, StringComparer.Ordinal))
        {
            (string parentDir, string name) = RelativePath.Split(directory);
            using TreeDirectory parent = _tree.OpenDirectory(parentDir);
            parent.SetOwnerAndMode(name, mode, 0, 0, setOwner: false, isSymlink: false);
            changed = true;
        }

        return changed;
    }

    private ParentState Check(string directory, string relativePath)
    {
        (string parentDir, string name) = RelativePath.Split(directory);
        using TreeDirectory parent = _tree.OpenDirectory(parentDir);
        FileStatus? status = parent.Stat(name);
        if (status is { IsDirectory: true } present)
        {
            if (_create && _mayNeedPermission && (present.Mode & OwnerWriteSearch) != OwnerWriteSearch)
            {
                _loosened.TryAdd(directory, present.ModeBits);
                parent.SetOwnerAndMode(name, present.Mode | OwnerWriteSearch, 0, 0, setOwner: false, isSymlink: false);
            }

            return ParentState.Present;
        }

        if (!_create)
        {
            return status is null ? ParentState.Missing : ParentState.BlockedByFile;
        }

        lock (_changing)
        {
            // Another target's walk may have made it a directory meanwhile.
            status = parent.Stat(name);
            if (status is { IsDirectory: true })
            {
                return ParentState.Present;
            }

            if (status is { } blocker)
            {
                if (!_overwrite)
                {
                    throw SnapshotterException.AlreadyExists($"'{parent.PathOf(name)}' is in the way of '{relativePath}' and is not a directory{(blocker.IsSymlink ? " (a symlink, which restore never follows)" : "")}");
                }

                parent.Remove(name);
            }

            if (!parent.TryCreateDirectory(name, UnixPath.DirectoryMode) && parent.Stat(name) is not { IsDirectory: true })
            {
                throw SnapshotterException.AlreadyExists($"'{parent.PathOf(name)}' appeared in output_dir as something other than a directory while it was being restored");
            }
        }

        return ParentState.Present;
    }
}
