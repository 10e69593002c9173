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
    private readonly MetadataStore _metadata;

    /// <summary>Digests pinned one at a time: a pin in progress is waited for by every thread that asks for it.</summary>
    private readonly ConcurrentDictionary<Digest, Lazy<bool>> _pinnedContent = new();

    /// <summary>Digests pinned in bulk (guarded by itself): sorted runs of values rather than a dictionary node or a hash
    /// set entry each, as a snapshot pins every one of its new digests, a batch at a time.</summary>
    private readonly DigestSet _pinnedInBulk = new();

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
    public void PinContent(Digest digest)
    {
        lock (_pinnedInBulk)
        {
            if (_pinnedInBulk.Contains(digest))
            {
                return;
            }
        }

        _ = _pinnedContent.GetOrAdd(digest, d => new Lazy<bool>(() =>
        {
            _metadata.PinContent(Id, [d]);
            return true;
        })).Value;
    }

    /// <summary>Pins the digests not pinned yet, all at once.</summary>
    public void PinContent(IEnumerable<Digest> digests)
    {
        Digest[] fresh;
        lock (_pinnedInBulk)
        {
            fresh = digests.Where(d => !_pinnedInBulk.Contains(d) && !_pinnedContent.ContainsKey(d)).ToArray();
        }

        if (fresh.Length == 0)
        {
            return;
        }

        _metadata.PinContent(Id, fresh);
        lock (_pinnedInBulk)
        {
            _pinnedInBulk.AddRange(fresh);
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
