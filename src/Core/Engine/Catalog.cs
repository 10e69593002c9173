using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.Hashing;
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

    /// <summary>UNSUPPORTED naming the first entry that is not a regular file: what <paramref name="operation"/> cannot
    /// write yet (directories, links, special files) it refuses rather than leaving out.</summary>
    public static void RequireRegularFiles(IEnumerable<FileRecord> files, SnapshotRecord snapshot, string operation)
    {
        if (files.FirstOrDefault(f => f.Type != EntryType.Regular) is { } entry)
        {
            throw new SnapshotterException(
                ErrorCode.Unsupported,
                $"snapshot '{snapshot.Name}:{snapshot.Version}' holds '{entry.RelativePath}', an entry of type {(int)entry.Type} ({entry.Type}): {operation} handles regular files only");
        }
    }

    /// <summary>
    /// Local snapshots, all or those of <paramref name="name"/>. With <paramref name="remote"/>, also the versions of
    /// that name the remote catalog tags (its whole tag list): local ones are marked as in both places when tagged
    /// there too, and versions only the catalog has follow the local ones, ordered by version.
    /// </summary>
    public static List<SnapshotInfo> List(EngineContext context, string? name, bool remote, CancellationToken cancellation)
    {
        if (name is not null)
        {
            NameRules.ValidateName(name);
        }

        List<SnapshotInfo> local = context.Metadata.ListCommitted(name).Select(ToInfo).ToList();
        if (!remote)
        {
            return local;
        }

        if (name is null)
        {
            throw SnapshotterException.InvalidArgument("listing remote versions needs a name: a registry lists the tags of one repository at a time");
        }

        IRemoteCatalog catalog = context.RemoteCatalog
            ?? throw SnapshotterException.InvalidArgument("no registry is configured to list remote versions from");
        var tags = catalog.ListVersions(name, cancellation).ToHashSet(StringComparer.Ordinal);
        List<SnapshotInfo> merged = local.Select(s => s with { Remote = tags.Contains(s.Version) }).ToList();
        var known = local.Select(s => s.Version).ToHashSet(StringComparer.Ordinal);
        merged.AddRange(tags.Where(t => !known.Contains(t)).Order(StringComparer.Ordinal)
            .Select(t => new SnapshotInfo(name, t, 0, 0, 0, 0, 0, Local: false, Remote: true)));
        return merged;
    }

    public static SnapshotDetails Inspect(EngineContext context, SnapshotReference reference, CancellationToken cancellation)
    {
        SnapshotRecord snapshot = Find(context, reference);
        SnapshotSummary summary = context.Metadata.ListCommitted(snapshot.Name, snapshot.Version).SingleOrDefault()
            ?? throw SnapshotterException.NotFound($"snapshot '{snapshot.Name}:{snapshot.Version}' was deleted while being inspected");
        List<FileRecord> files = context.Metadata.GetFiles(snapshot.Id);
        var local = new Dictionary<Digest, bool>();
        var infos = new List<SnapshotFileInfo>(files.Count);
        foreach (FileRecord file in files)
        {
            cancellation.ThrowIfCancellationRequested();
            bool present = true;
            if (file.Digest is { } digest && !local.TryGetValue(digest, out present))
            {
                present = local[digest] = context.Store.HasContent(digest);
            }

            infos.Add(new SnapshotFileInfo(file.RelativePath, file.Digest?.ToString() ?? "", file.Size, file.ModificationTimeNs, file.Mode, file.Uid, file.Gid, file.ReadOnly, present));
        }

        return new SnapshotDetails(ToInfo(summary), infos);
    }

    /// <summary>
    /// Deletes a snapshot: its metadata first, in one transaction, then the content no other snapshot references and
    /// no lease pins, under the metadata store's write lock so that a snapshot committing meanwhile cannot lose
    /// content it reuses.
    /// </summary>
    /// <remarks>
    /// With <paramref name="remote"/>, the manifest the remote catalog tags name:version is deleted first (by its
    /// digest, as registries require), so a failure there changes nothing locally; the snapshot may then exist in
    /// either place or both.
    /// </remarks>
    public static DeleteStats Delete(EngineContext context, SnapshotReference reference, bool remote, CancellationToken cancellation)
    {
        string version = reference.ResolveVersion(context.Metadata);
        string? manifest = null;
        if (remote)
        {
            IRemoteCatalog catalog = context.RemoteCatalog
                ?? throw SnapshotterException.InvalidArgument("no registry is configured to delete the snapshot's manifest from");
            manifest = catalog.Delete(reference.Name, version, cancellation);
        }

        SpaceReserve.ReleaseIfLow(context.MetadataDir);
        // The recovery record goes first: a crash before the metadata is deleted leaves a snapshot without a record,
        // which the next open writes again, never a record that would bring back a snapshot whose content is gone. Only
        // a snapshot the database knows: on a stale database the record is all there is of it.
        DeletedSnapshot? deleted;
        using (context.Recovery.Lock())
        {
            if (context.Metadata.FindCommitted(reference.Name, version) is { } found)
            {
                // Refused before the recovery record goes; DeleteCommitted checks it again in its transaction.
                if (context.Metadata.Lifecycle.KeyCommittedAs(found.Id) is { } key)
                {
                    throw SnapshotterException.FailedPrecondition($"snapshot '{reference.Name}:{version}' is the committed lifecycle snapshot '{key}': remove that one instead");
                }

                context.Recovery.Delete(reference.Name, version);
            }

            deleted = context.Metadata.DeleteCommitted(reference.Name, version);
        }

        if (deleted is null)
        {
            return manifest is not null
                ? new DeleteStats(0, 0, 0, manifest)
                : throw SnapshotterException.NotFound(remote
                    ? $"snapshot '{reference.Name}:{version}' not found, neither locally nor in {context.RemoteCatalog!.Location}"
                    : $"snapshot '{reference.Name}:{version}' not found");
        }

        List<ContentRecord> released = context.Metadata.ReleaseUnreferenced(deleted.Digests, context.IsOwnerAlive, context.Store.Remove);
        SpaceReserve.Restore(context.Metadata, context.MetadataDir);
        return new DeleteStats(deleted.Files, released.Count, released.Sum(c => c.EncodedSize), manifest);
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
