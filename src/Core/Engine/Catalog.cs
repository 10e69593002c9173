using Snapshotter.Errors;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>Listing, inspecting and deleting local snapshots: short calls on metadata, each one of the engine's.</summary>
internal static class Catalog
{
    /// <summary>The committed snapshot a reference means, or NOT_FOUND naming it.</summary>
    public static SnapshotRecord Find(EngineContext context, SnapshotReference reference)
    {
        string version = reference.ResolveVersion(context.Metadata);
        return context.Metadata.FindCommitted(reference.Name, version)
            ?? throw SnapshotterException.NotFound($"snapshot '{reference.Name}:{version}' not found");
    }

    /// <summary>As <see cref="Find"/>, pinning the snapshot with <paramref name="lease"/> in the transaction that finds it,
    /// so no collection evicts it between the two.</summary>
    public static SnapshotRecord FindAndPin(EngineContext context, SnapshotReference reference, Lease lease)
    {
        string version = reference.ResolveVersion(context.Metadata);
        return lease.PinCommitted(reference.Name, version)
            ?? throw SnapshotterException.NotFound($"snapshot '{reference.Name}:{version}' not found");
    }

    public static List<SnapshotInfo> List(EngineContext context, string? name)
    {
        if (name is not null)
        {
            NameRules.ValidateName(name);
        }

        return context.Metadata.ListCommitted(name).Select(ToInfo).ToList();
    }

    public static SnapshotDetails Inspect(EngineContext context, SnapshotReference reference, CancellationToken cancellation)
    {
        SnapshotRecord snapshot = Find(context, reference);
        SnapshotSummary summary = context.Metadata.ListCommitted(snapshot.Name, snapshot.Version).SingleOrDefault()
            ?? throw SnapshotterException.NotFound($"snapshot '{snapshot.Name}:{snapshot.Version}' was deleted while being inspected");
        List<FileRecord> files = context.Metadata.GetFiles(snapshot.Id);
        var local = new Dictionary<Content.Digest, bool>();
        var infos = new List<SnapshotFileInfo>(files.Count);
        foreach (FileRecord file in files)
        {
            cancellation.ThrowIfCancellationRequested();
            if (!local.TryGetValue(file.Digest, out bool present))
            {
                present = local[file.Digest] = context.Store.HasContent(file.Digest);
            }

            infos.Add(new SnapshotFileInfo(file.RelativePath, file.Digest.ToString(), file.Size, file.ModificationTimeNs, file.Mode, file.Uid, file.Gid, file.ReadOnly, present));
        }

        return new SnapshotDetails(ToInfo(summary), infos);
    }

    /// <summary>
    /// Deletes a snapshot: its metadata first, in one transaction, then the content no other snapshot references and
    /// no lease pins, under the metadata store's write lock so that a snapshot committing meanwhile cannot lose
    /// content it reuses.
    /// </summary>
    public static DeleteStats Delete(EngineContext context, SnapshotReference reference)
    {
        string version = reference.ResolveVersion(context.Metadata);
        DeletedSnapshot deleted = context.Metadata.DeleteCommitted(reference.Name, version)
            ?? throw SnapshotterException.NotFound($"snapshot '{reference.Name}:{version}' not found");
        List<ContentRecord> released = context.Metadata.ReleaseUnreferenced(deleted.Digests, context.IsOwnerAlive, context.Store.Remove);
        return new DeleteStats(deleted.Files, released.Count, released.Sum(c => c.EncodedSize));
    }

    private static SnapshotInfo ToInfo(SnapshotSummary summary) => new(
        summary.Snapshot.Name,
        summary.Snapshot.Version,
        summary.Snapshot.CreatedNs,
        summary.Snapshot.LastUsedNs,
        summary.Files,
        summary.Bytes,
        summary.StoredBytes);
}
