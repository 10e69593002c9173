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
/// </summary>
internal sealed class PendingArea : IDisposable
{
    /// <summary>More than the threads that store at once, so two rarely create in one directory at the same time.</summary>
    private const int Shards = 8;

    private readonly TreeDirectory _content;
    private readonly TreeDirectory[] _shards = new TreeDirectory[Shards];

    public PendingArea(ContentStore store, string ownerToken)
    {
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

    /// <summary>Creates the temporary file of <paramref name="pendingId"/> (which must not exist yet).</summary>
    public UnixFile Create(ulong pendingId, uint mode) => _shards[ShardOf(pendingId)].CreateFile(RandomName.Spell(pendingId), mode);

    /// <summary>Whether the store holds <paramref name="digest"/>'s content: <see cref="ContentStore.HasContent"/> by name
    /// in the open content directory, as many threads ask it once per new object.</summary>
    public bool HasContent(Digest digest) => ContentStore.ObjectSize(_content.Stat(digest.Hex)) is not null;

    /// <summary>Renames durable pending content into place. Returns false (and drops it) when another writer stored the
    /// same digest first.</summary>
    public bool Place(ulong pendingId, Digest digest)
    {
        if (_shards[ShardOf(pendingId)].RenameNoReplace(RandomName.Spell(pendingId), _content, digest.Hex))
        {
            return true;
        }

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

    private static int ShardOf(ulong pendingId) => (int)(pendingId % Shards);

    private static string ShardName(int shard) => shard.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
