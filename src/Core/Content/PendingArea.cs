using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Content;

/// <summary>
/// Where one operation writes its new content before placing it: directories of its own inside the content directory,
/// ".content-&lt;token&gt;-&lt;random&gt;/&lt;shard&gt;/&lt;pending id&gt;", each object's temporary name in the shard its id
/// selects. Only the rename into place then changes the content directory, which holds an entry for every object of the
/// store: one entry added per object, where a temporary name beside it meant three changes (the name added, removed,
/// and the final one added) and as many lookups there, and the threads writing new content waited for that directory's
/// lock on one another and on the renames. The shards spread the writers' creates over several locks.
///
/// The directory carries the owner's token like any temporary file of the store, so what a killed owner left is removed
/// as its other temporary files are (<see cref="ContentStore.DeleteAbandonedTemps"/>). Disposing removes the area with
/// whatever it still holds.
///
/// A temporary file is created with the stored object's mode when a file created in the area gets exactly the mode
/// asked for (<see cref="Create"/>), which saves an fchmod per new object. The area finds that out once, when it is
/// made, by creating a file and looking at its mode: the process's umask, a default ACL of the content directory or
/// the filesystem may take bits away. Reading the umask would mean setting it (umask(2) does both), a race with every
/// thread of a host process that creates files meanwhile, and would still miss an ACL. A host process that changes its
/// umask while an operation writes new content can give that operation's objects fewer bits than asked for.
/// </summary>
internal sealed class PendingArea : IDisposable
{
    /// <summary>More than the threads that store at once, so two rarely create in one directory at the same time.</summary>
    private const int Shards = 8;

    /// <summary>The name <see cref="CreatesExactly"/> creates and removes in shard 0: never a pending id's, which has
    /// 16 hex digits.</summary>
    private const string ModeProbeName = "mode";

    /// <summary>See <see cref="LikelyHasContent"/>.</summary>
    private const int LookupsBeforeSkipping = 64;

    /// <inheritdoc cref="LookupsBeforeSkipping"/>
    private const int LookupEverySkipped = 16;

    private readonly TreeDirectory _content;
    private readonly TreeDirectory[] _shards = new TreeDirectory[Shards];
    private readonly uint _objectMode;
    private readonly bool _createsObjectMode;
    private int _missesInARow;
    private long _skipped;

    /// <param name="objectMode">The permission bits of a stored object (see <see cref="Create"/>).</param>
    public PendingArea(ContentStore store, string ownerToken, uint objectMode)
    {
        _objectMode = objectMode;
        Root = UnixPath.TempPathIn(store.ContentDir, $"{ContentStore.TempContentPrefix}{ownerToken}-");
        _content = new TreeDirectory(store.OpenContentDirectory());
        try
        {
            UnixPath.CreateDirectories(Root);
            for (int shard = 0; shard < Shards; shard++)
            {
                string path = Path.Join(Root, ShardName(shard));
                UnixPath.CreateDirectories(path);
                _shards[shard] = new TreeDirectory(UnixFile.OpenDirectory(path));
            }

            _createsObjectMode = CreatesExactly(_shards[0], objectMode);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The area's directory inside the content directory.</summary>
    public string Root { get; }

    /// <summary>Where <see cref="Create"/> puts the object of <paramref name="pendingId"/>.</summary>
    public string PathOf(ulong pendingId) => Path.Join(Root, ShardName(ShardOf(pendingId)), RandomName.Spell(pendingId));

    /// <summary>Creates the temporary file of <paramref name="pendingId"/> (which must not exist yet): with the stored
    /// object's mode when a file created here gets exactly that mode, else with <paramref name="privateMode"/>, and
    /// <paramref name="hasObjectMode"/> false: the caller sets the object's mode once it keeps the file.</summary>
    public UnixFile Create(ulong pendingId, uint privateMode, out bool hasObjectMode)
    {
        hasObjectMode = _createsObjectMode;
        return _shards[ShardOf(pendingId)].CreateFile(RandomName.Spell(pendingId), _createsObjectMode ? _objectMode : privateMode);
    }

    /// <summary>Whether the store holds <paramref name="digest"/>'s content: <see cref="ContentStore.HasContent"/> by name
    /// in the open content directory, as many threads ask it once per new object.</summary>
    public bool HasContent(Digest digest) => ContentStore.ObjectSize(_content.Stat(digest.Hex)) is not null;

    /// <summary>
    /// <see cref="HasContent"/> where it is likely to say yes; elsewhere false without looking. Knowing early only saves
    /// work: content found stored is dropped before anything else is done with it, while the copy of content found only
    /// by the rename into place (<see cref="Place"/>, which never replaces) has been made durable for nothing. When
    /// <see cref="LookupsBeforeSkipping"/> lookups in a row have found nothing (a store new to this content), only one
    /// in <see cref="LookupEverySkipped"/> is made, until one of them or a rename finds an object: then every one again.
    /// A snapshot of new files then costs a statx of a name in the content directory for few of them, one that finds
    /// stored content costs it for each, and content stored meanwhile by another writer is still found, later.
    /// </summary>
    public bool LikelyHasContent(Digest digest)
    {
        if (Volatile.Read(ref _missesInARow) >= LookupsBeforeSkipping && Interlocked.Increment(ref _skipped) % LookupEverySkipped != 0)
        {
            return false;
        }

        bool found = HasContent(digest);
        if (found)
        {
            Volatile.Write(ref _missesInARow, 0);
        }
        else
        {
            Interlocked.Increment(ref _missesInARow);
        }

        return found;
    }

    /// <summary>Renames durable pending content into place. Returns false (and drops it) when something is at the
    /// digest's name already: another writer's object, or one this area did not look up first (see
    /// <see cref="LikelyHasContent"/>), taken as the store's as <see cref="HasContent"/> would have taken it.</summary>
    public bool Place(ulong pendingId, Digest digest)
    {
        if (_shards[ShardOf(pendingId)].RenameNoReplace(RandomName.Spell(pendingId), _content, digest.Hex))
        {
            return true;
        }

        Volatile.Write(ref _missesInARow, 0);
        Drop(pendingId);
        return false;
    }

    /// <summary>Removes the temporary file of <paramref name="pendingId"/>, if it is there.</summary>
    public void Drop(ulong pendingId) => UnixPath.TryDeleteFile(PathOf(pendingId));

    public void Dispose()
    {
        foreach (TreeDirectory? shard in _shards)
        {
            shard?.Dispose();
        }

        _content.Dispose();
        try
        {
            UnixPath.DeleteTree(Root);
        }
        catch (IOException e)
        {
            // What stays carries this handle's token: the first open after the handle closes removes it.
            Diagnostics.LibraryLog.Write(Diagnostics.LogLevel.Warning, $"temporary directory '{Root}' stays until this handle closes: {e.Message}");
        }
    }

    /// <summary>Whether a file created in <paramref name="directory"/> with <paramref name="mode"/> has exactly that mode
    /// (see the remarks on the class).</summary>
    private static bool CreatesExactly(TreeDirectory directory, uint mode)
    {
        try
        {
            using UnixFile probe = directory.CreateFile(ModeProbeName, mode);
            return probe.Stat().ModeBits == mode;
        }
        finally
        {
            directory.TryRemove(ModeProbeName);
        }
    }

    private static int ShardOf(ulong pendingId) => (int)(pendingId % Shards);

    private static string ShardName(int shard) => shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
