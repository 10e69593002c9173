using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// What the collector plans over: the committed snapshots, how many of them reference each digest, the size of
/// every content object recorded in metadata, and the digests live leases pin. Removing a snapshot says which
/// content it leaves unreferenced, so a plan can be played forward snapshot by snapshot without touching the store.
/// </summary>
internal sealed class GcInventory
{
    private readonly Dictionary<long, SnapshotUsage> _snapshots;
    private readonly Dictionary<Digest, int> _references = [];
    private readonly Dictionary<Digest, long> _contentBytes;
    private readonly HashSet<Digest> _pinnedContent;

    public GcInventory(IEnumerable<SnapshotUsage> snapshots, IReadOnlyDictionary<Digest, long> contentBytes, IEnumerable<Digest> pinnedContent)
    {
        _snapshots = snapshots.ToDictionary(s => s.Id);
        _contentBytes = new Dictionary<Digest, long>(contentBytes);
        _pinnedContent = [.. pinnedContent];
        foreach (SnapshotUsage snapshot in _snapshots.Values)
        {
            foreach (Digest digest in snapshot.Digests)
            {
                _references[digest] = _references.GetValueOrDefault(digest) + 1;
            }
        }

        StoreBytes = _contentBytes.Values.Sum();
    }

    public IEnumerable<SnapshotUsage> Snapshots => _snapshots.Values;

    /// <summary>Bytes of every content object recorded in metadata (their SPF1 sizes).</summary>
    public long StoreBytes { get; private set; }

    public bool IsReferenced(Digest digest) => _references.ContainsKey(digest);

    public bool IsPinned(Digest digest) => _pinnedContent.Contains(digest);

    /// <summary>Forgets a snapshot and returns the content it was the last reference to, with its bytes, leaving
    /// out pinned content.</summary>
    public List<(Digest Digest, long Bytes)> Remove(SnapshotUsage snapshot)
    {
        var freed = new List<(Digest, long)>();
        if (!_snapshots.Remove(snapshot.Id))
        {
            return freed;
        }

        foreach (Digest digest in snapshot.Digests)
        {
            int remaining = _references[digest] - 1;
            if (remaining > 0)
            {
                _references[digest] = remaining;
                continue;
            }

            _references.Remove(digest);
            if (!_pinnedContent.Contains(digest))
            {
                _contentBytes.Remove(digest, out long bytes);
                freed.Add((digest, bytes));
                StoreBytes -= bytes;
            }
        }

        return freed;
    }
}
