using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Metadata;

namespace Snapshotter.Verify;

/// <summary>
/// Rebuilds a stale metadata database (lost, corrupt and moved aside, or older than the store) from the store's
/// recovery records: every snapshot recorded there and not in the database is committed again with its name, version,
/// creation time and files. A record naming content the store no longer holds (a snapshot deleted while its record
/// could not be, or whose content was lost) is not brought back, so that no snapshot appears that cannot be restored;
/// it is dropped, and reported. Once every record is in the database the index is complete again.
/// </summary>
internal sealed class IndexRebuild
{
    private readonly ContentStore _store;
    private readonly MetadataStore _metadata;
    private readonly RecoveryRecords _recovery;
    private readonly string _ownerToken;
    private readonly Func<string, bool> _isOwnerAlive;
    private readonly long _nowNs;

    public IndexRebuild(ContentStore store, MetadataStore metadata, RecoveryRecords recovery, string ownerToken, Func<string, bool> isOwnerAlive, long nowNs)
    {
        _store = store;
        _metadata = metadata;
        _recovery = recovery;
        _ownerToken = ownerToken;
        _isOwnerAlive = isOwnerAlive;
        _nowNs = nowNs;
    }

    /// <summary>Checks the index and, with <paramref name="repair"/>, rebuilds it; each finding goes to <paramref name="report"/>.</summary>
    public void Run(bool repair, string databasePath, Action<VerifyProblemKind, string, string, bool> report, CancellationToken cancellation)
    {
        List<string> unknown = _recovery.UnknownTo(_metadata);
        if (_recovery.WhyIndexIsStale(unknown) is not { } why)
        {
            return;
        }

        if (!repair)
        {
            report(VerifyProblemKind.CorruptMetadata, databasePath,
                $"the metadata index is stale ({why}): {unknown.Count} snapshot(s) recorded in the store are not listed; repair rebuilds it from '{_recovery.Directory}'", false);
            return;
        }

        int rebuilt = 0;
        int failed = 0;
        foreach (string path in unknown)
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                RecoveryRecord record = RecoveryRecords.Read(path);
                Validate(record, path);
                if (record.Files.FirstOrDefault(f => !IsStored(f)) is { } lost)
                {
                    _recovery.Delete(record.Name, record.Version);
                    report(VerifyProblemKind.UnrestorableSnapshot, $"{record.Name}:{record.Version}",
                        $"its recovery record names content {lost.Digest} of '{lost.RelativePath}', which the store no longer holds: not rebuilt, record dropped", true);
                    continue;
                }

                Commit(record);
                rebuilt++;
            }
            catch (SnapshotterException e) when (e.Code is ErrorCode.Corrupt or ErrorCode.AlreadyExists)
            {
                failed++;
                report(VerifyProblemKind.CorruptMetadata, path, e.Message, false);
            }
        }

        if (failed == 0)
        {
            _recovery.ClearIndexIncomplete();
        }

        report(VerifyProblemKind.CorruptMetadata, databasePath,
            $"the metadata index was stale ({why}): {rebuilt} snapshot(s) rebuilt from '{_recovery.Directory}'" + (failed > 0 ? $", {failed} record(s) could not be read" : ""),
            failed == 0);
    }

    private bool IsStored(FileRecord file) =>
        file.Digest is not { } digest || _store.HasContent(digest) || (file.ReadOnly && _store.HasSnapshotFile(digest));

    /// <summary>A record is the store's own file, but a damaged one must not put a path into the database that a restore
    /// would refuse or, worse, follow.</summary>
    private static void Validate(RecoveryRecord record, string path)
    {
        try
        {
            Validation.NameRules.ValidateName(record.Name);
            Validation.NameRules.ValidateVersion(record.Version);
            foreach (FileRecord file in record.Files)
            {
                if (Validation.RelativePath.Normalize(file.RelativePath) != file.RelativePath)
                {
                    throw SnapshotterException.InvalidArgument($"non-canonical path '{file.RelativePath}'");
                }
            }
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"recovery record '{path}' is unusable: {e.Message}");
        }
    }

    private void Commit(RecoveryRecord record)
    {
        var contents = record.Files
            .Where(f => f.HasContent)
            .GroupBy(f => f.ContentDigest)
            .Select(g => new ContentRecord(g.Key, g.First().Size, _store.StoredSize(g.Key) ?? 0))
            .ToList();
        long id = _metadata.InsertPending(record.Name, record.Version, _nowNs, _ownerToken, _isOwnerAlive);
        IReadOnlyList<Digest> missing = _metadata.Commit(id, record.Files, contents, _nowNs, d => _store.HasContent(d) || _store.HasSnapshotFile(d), record.CreatedNs);
        if (missing.Count > 0)
        {
            _metadata.DeletePending(id);
            throw SnapshotterException.Corrupt($"content {missing[0]} of snapshot '{record.Name}:{record.Version}' was deleted while it was being rebuilt");
        }
    }
}
