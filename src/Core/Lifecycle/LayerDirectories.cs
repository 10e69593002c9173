using System.Globalization;
using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;

namespace Snapshotter.Lifecycle;

/// <summary>
/// The directories of lifecycle snapshots, under ROOT/lifecycle, named by id (keys are never paths): ID/fs is an
/// active's upper directory (or, with no parent, its whole tree) and a committed snapshot's layer, ID/work an
/// overlay's work directory. ROOT/lifecycle is 0700: layers may hold hardlinks of the store's read-only objects, which
/// only mounts may expose.
/// </summary>
internal sealed class LayerDirectories
{
    private const uint PrivateMode = 0x1C0; // 0700
    private const uint TreeMode = 0x1ED; // 0755
    private const string RemovedPrefix = ".removed-";

    public LayerDirectories(string rootDir) => Root = Path.Join(rootDir, "lifecycle");

    public string Root { get; }

    public string Of(long id) => Path.Join(Root, id.ToString(CultureInfo.InvariantCulture));

    public string Tree(long id) => Path.Join(Of(id), "fs");

    public string Work(long id) => Path.Join(Of(id), "work");

    /// <summary>
    /// Makes the directories of a new snapshot, durably. Something already at its place can only be what a crash left
    /// while creating a snapshot whose transaction never committed (ids are otherwise never reused): it is removed.
    /// </summary>
    public void Create(long id, bool withWork)
    {
        if (UnixPath.MakeDirectory(Root, PrivateMode) != 0 && Errno.Last != Errno.EEXIST)
        {
            throw Errno.LastException("create directory", Root);
        }

        string directory = Of(id);
        if (UnixPath.TryStat(directory, followSymlinks: false) is not null)
        {
            DeleteTree(directory);
        }

        MakeDirectory(directory, PrivateMode);
        MakeDirectory(Tree(id), TreeMode);
        if (withWork)
        {
            MakeDirectory(Work(id), PrivateMode);
        }

        UnixPath.SyncDirectory(directory);
        UnixPath.SyncDirectory(Root);
    }

    /// <summary>Removes a snapshot's directories: renamed aside first, so a crash midway leaves a name
    /// <see cref="Sweep"/> recognises, never a half-deleted layer under a live id.</summary>
    public void Remove(long id)
    {
        string directory = Of(id);
        if (UnixPath.TryStat(directory, followSymlinks: false) is null)
        {
            return;
        }

        string aside = UnixPath.TempPathIn(Root, RemovedPrefix);
        UnixPath.Rename(directory, aside);
        DeleteTree(aside);
    }

    /// <summary>Removes a committed layer's overlay work directory, which it no longer needs.</summary>
    public void RemoveWork(long id)
    {
        if (UnixPath.TryStat(Work(id), followSymlinks: false) is { IsDirectory: true })
        {
            DeleteTree(Work(id));
        }
    }

    /// <summary>Removes what crashes left: directories set aside for removal, and those of ids not in <paramref name="live"/>.</summary>
    public void Sweep(HashSet<long> live)
    {
        if (UnixPath.TryStat(Root, followSymlinks: false) is not { IsDirectory: true })
        {
            return;
        }

        using UnixDirectory root = UnixDirectory.Open(Root);
        foreach (UnixDirectory.Entry entry in root.ReadEntries())
        {
            string name = entry.Display;
            bool removable = name.StartsWith(RemovedPrefix, StringComparison.Ordinal)
                || (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && !live.Contains(id));
            if (removable)
            {
                DeleteTree(Path.Join(Root, name));
            }
        }
    }

    /// <summary>Removes a directory and everything in it through descriptors and raw names, never following a symlink:
    /// a layer may hold names that are not UTF-8, which no path string reaches.</summary>
    private static void DeleteTree(string path)
    {
        using (UnixDirectory directory = UnixDirectory.Open(path))
        {
            Empty(directory);
        }

        using UnixDirectory parent = UnixDirectory.Open(Path.GetDirectoryName(path)!);
        if (!parent.TryRemoveDirectory(UnixDirectory.EntryOf(Path.GetFileName(path))) && UnixPath.TryStat(path, followSymlinks: false) is not null)
        {
            throw new SnapshotterException(ErrorCode.IO, $"'{path}' is not empty after its content was removed: something is writing into it");
        }
    }

    private static void Empty(UnixDirectory directory)
    {
        foreach (UnixDirectory.Entry entry in directory.ReadEntries())
        {
            if (directory.OpenChild(entry) is { } child)
            {
                using (child)
                {
                    Empty(child);
                }

                directory.TryRemoveDirectory(entry);
            }
            else
            {
                directory.RemoveFile(entry);
            }
        }
    }

    private static void MakeDirectory(string path, uint mode)
    {
        if (UnixPath.MakeDirectory(path, mode) != 0)
        {
            throw Errno.LastException("create directory", path);
        }
    }
}
