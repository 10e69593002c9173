using System.Collections.Concurrent;
using Snapshotter.Diagnostics;
using Snapshotter.Hashing;
using Snapshotter.Metadata;

namespace Snapshotter.Engine;

/// <summary>
/// What one running operation pins against collection, in every process sharing the root directory: the
/// snapshot it restores, the content a snapshot is about to reference. A lease belongs to the handle's owner
/// token, so it stops pinning the moment its process dies, and is dropped when the operation ends.
/// </summary>
internal sealed class Lease : IDisposable
{
    /// <summary>What <see cref="_pinnedContent"/> holds for digests pinned in bulk: nothing left to do.</summary>
    private static readonly Lazy<bool> Pinned = new(() => true);

    private readonly MetadataStore _metadata;
    private readonly ConcurrentDictionary<Digest, Lazy<bool>> _pinnedContent = new();

    private Lease(MetadataStore metadata, long id)
    {
        _metadata = metadata;
        Id = id;
    }

    public long Id { get; }

    /// <param name="purpose">What the lease is for ("restore name:version"), for whoever inspects the metadata.</param>
    public static Lease Acquire(EngineContext context, string purpose) =>
        new(context.Metadata, context.Metadata.CreateLease(context.Owner.Token, purpose, context.NowNs));

    /// <summary>The committed snapshot, pinned; null when there is none by that name and version.</summary>
    public SnapshotRecord? PinCommitted(string name, string version) => _metadata.PinCommitted(Id, name, version);

    /// <summary>Pins a digest. Returns once the pin is committed, also to a thread that asks while another pins it.</summary>
    public void PinContent(Digest digest) =>
        _ = _pinnedContent.GetOrAdd(digest, d => new Lazy<bool>(() =>
        {
            _metadata.PinContent(Id, [d]);
            return true;
        })).Value;

    /// <summary>Pins the digests not pinned yet, all at once.</summary>
    public void PinContent(IEnumerable<Digest> digests)
    {
        Digest[] fresh = digests.Where(d => !_pinnedContent.ContainsKey(d)).Distinct().ToArray();
        if (fresh.Length == 0)
        {
            return;
        }

        _metadata.PinContent(Id, fresh);
        foreach (Digest digest in fresh)
        {
            _pinnedContent.TryAdd(digest, Pinned);
        }
    }

    public void Dispose()
    {
        try
        {
            _metadata.DeleteLease(Id);
        }
        catch (Exception e)
        {
            // Releasing must not hide the operation's own outcome. A lease left behind pins until its owner
            // closes, then the next collection or open drops it with the owner's other leftovers.
            LibraryLog.Write(LogLevel.Warning, $"lease {Id} stays until its handle closes: releasing it failed: {e.Message}");
        }
    }
}
