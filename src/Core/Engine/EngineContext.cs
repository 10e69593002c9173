using Snapshotter.Catalogs;
using Snapshotter.Content;
using Snapshotter.Formats;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Providers;

namespace Snapshotter.Engine;

/// <summary>What every operation of one open store shares.</summary>
internal sealed class EngineContext
{
    public EngineContext(ContentStore store, MetadataStore metadata, OwnerLock owner, string metadataDir, IContentProvider? contentProvider, IRemoteCatalog? remoteCatalog, TimeProvider time, int concurrency)
    {
        MetadataDir = metadataDir;
        ContentProvider = contentProvider;
        RemoteCatalog = remoteCatalog;
        Fetches = contentProvider is null ? null : new FetchCoordinator(store, contentProvider, ContentStore.DefaultBufferBytes);
        Store = store;
        Metadata = metadata;
        Recovery = new RecoveryRecords(store.RootDir, metadataDir, owner.Token);
        Owner = owner;
        OwnersDir = Path.Join(metadataDir, OwnersDirName);
        Time = time;
        Concurrency = concurrency;
    }

    public const string OwnersDirName = "owners";

    /// <summary>ROOT/metadata: the database, the owners' lock files and the collector's lock.</summary>
    public string MetadataDir { get; }

    /// <summary>This handle's liveness token, carried by its pending records and temporary files.</summary>
    public OwnerLock Owner { get; }

    public string OwnersDir { get; }

    /// <summary>Where content is published and fetched beyond this machine; null in a purely local store.</summary>
    public IContentProvider? ContentProvider { get; }

    /// <summary>Where snapshot metadata is published beyond this machine; null when snapshots stay local.</summary>
    public IRemoteCatalog? RemoteCatalog { get; }

    /// <summary>Fetches from <see cref="ContentProvider"/>, shared between concurrent calls; null without one.</summary>
    public FetchCoordinator? Fetches { get; }

    /// <summary>Whether the handle that left a record or file with this token is still open somewhere.</summary>
    public bool IsOwnerAlive(string token) => OwnerLock.IsAlive(OwnersDir, token);

    /// <summary>Removes the lock files of owners that died (<see cref="OwnerLock.RemoveDead"/>).</summary>
    public void RemoveDeadOwners() => OwnerLock.RemoveDead(OwnersDir);

    public ContentStore Store { get; }

    public MetadataStore Metadata { get; }

    /// <summary>The store's own records of its committed snapshots, from which <see cref="Metadata"/> can be rebuilt.</summary>
    public RecoveryRecords Recovery { get; }

    public TimeProvider Time { get; }

    public int Concurrency { get; }

    public int BufferBytes => ContentStore.DefaultBufferBytes;

    public long NowNs => Time.GetUnixTimeNs();
}
