using Microsoft.Data.Sqlite;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// What the collector and the verifier read and delete. Deletions re-check, inside their own write transaction,
/// everything the plan assumed (still committed and unused since, not pinned, not referenced), because other
/// handles and processes keep working while a plan is made.
/// </summary>
internal sealed class GcRecords
{
    /// <summary>Digests deleted per transaction: each holds SQLite's write lock while it unlinks files.</summary>
    private const int DeletionChunk = 256;

    private readonly MetadataDatabase _database;

    public GcRecords(MetadataDatabase database) => _database = database;

    /// <summary>Committed snapshots with their digests, content sizes and live pins, read in one transaction.</summary>
    public GcInventory ReadInventory(Func<string, bool> isOwnerAlive)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        var digestsBySnapshot = new Dictionary<long, List<Digest>>();
        using (var files = connection.CreateCommand())
        {
            // Each snapshot's own files: a delta's rows and the base rows it does not override.
            files.CommandText = """
                SELECT s.id, f.digest FROM snapshots s JOIN files f ON f.list_id = s.list_id WHERE f.removed = 0 AND f.digest IS NOT NULL
                UNION
                SELECT s.id, b.digest FROM snapshots s JOIN file_lists l ON l.id = s.list_id JOIN files b ON b.list_id = l.base_id
                WHERE b.digest IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files o WHERE o.list_id = l.id AND o.relative_path = b.relative_path)
                """;
            using var reader = files.ExecuteReader();
            while (reader.Read())
            {
                if (Digest.TryParse(reader.GetString(1), out Digest digest))
                {
                    long id = reader.GetInt64(0);
                    if (!digestsBySnapshot.TryGetValue(id, out List<Digest>? list))
                    {
                        digestsBySnapshot[id] = list = [];
                    }

                    list.Add(digest);
                }
            }
        }

        var pinnedSnapshots = new HashSet<long>();
        using (var pins = connection.CreateCommand())
        {
            pins.CommandText = "SELECT s.snapshot_id, l.owner FROM leased_snapshots s JOIN leases l ON l.id = s.lease_id";
            using var reader = pins.ExecuteReader();
            while (reader.Read())
            {
                if (isOwnerAlive(reader.GetString(1)))
                {
                    pinnedSnapshots.Add(reader.GetInt64(0));
                }
            }
        }

        // A committed lifecycle snapshot goes only with its removal: its directory is a layer actives and views mount.
        using (var layers = connection.CreateCommand())
        {
            layers.CommandText = "SELECT snapshot_id FROM lifecycle WHERE snapshot_id IS NOT NULL";
            using var reader = layers.ExecuteReader();
            while (reader.Read())
            {
                pinnedSnapshots.Add(reader.GetInt64(0));
            }
        }

        var snapshots = new List<SnapshotUsage>();
        using (var committed = connection.CreateCommand())
        {
            committed.CommandText = "SELECT id, name, version, created_ns, last_used_ns FROM snapshots WHERE state = $committed";
            committed.Parameters.AddWithValue("$committed", SnapshotRecords.CommittedState);
            using var reader = committed.ExecuteReader();
            while (reader.Read())
            {
                long id = reader.GetInt64(0);
                snapshots.Add(new SnapshotUsage(id, reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                    pinnedSnapshots.Contains(id), digestsBySnapshot.GetValueOrDefault(id) ?? []));
            }
        }

        var contentBytes = new Dictionary<Digest, long>();
        foreach ((Digest digest, ContentRecord record, _) in ReadContent(connection))
        {
            contentBytes[digest] = record.EncodedSize;
        }

        return new GcInventory(snapshots, contentBytes, LeaseRecords.LivePinnedContent(connection, isOwnerAlive));
    }

    /// <summary>Content objects recorded in metadata, with their creation times.</summary>
    public Dictionary<Digest, (ContentRecord Record, long CreatedNs)> ReadContent()
    {
        using var connection = _database.Connect();
        return ReadContent(connection).ToDictionary(c => c.Digest, c => (c.Record, c.CreatedNs));
    }

    private static List<(Digest Digest, ContentRecord Record, long CreatedNs)> ReadContent(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT digest, size, encoded_size, created_ns FROM content";
        using var reader = command.ExecuteReader();
        var content = new List<(Digest, ContentRecord, long)>();
        while (reader.Read())
        {
            if (Digest.TryParse(reader.GetString(0), out Digest digest))
            {
                content.Add((digest, new ContentRecord(digest, reader.GetInt64(1), reader.GetInt64(2)), reader.GetInt64(3)));
            }
        }

        return content;
    }

    /// <summary>Every digest some snapshot's file references.</summary>
    public HashSet<Digest> ReferencedDigests()
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT digest FROM files WHERE digest IS NOT NULL";
        using var reader = command.ExecuteReader();
        var digests = new HashSet<Digest>();
        while (reader.Read())
        {
            if (Digest.TryParse(reader.GetString(0), out Digest digest))
            {
                digests.Add(digest);
            }
        }

        return digests;
    }

    /// <summary>
    /// Deletes planned victims (their file lists with them, unless another snapshot names one) in one transaction,
    /// skipping any that is no longer committed, was used since the plan read it, is pinned by a live lease now, or was
    /// made a committed lifecycle snapshot's since.
    /// Returns the ids deleted.
    /// </summary>
    public HashSet<long> DeleteSnapshots(IReadOnlyList<SnapshotUsage> victims, Func<string, bool> isOwnerAlive)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM snapshots WHERE id = $id AND state = $committed AND last_used_ns = $lastUsed RETURNING list_id";
        var id = delete.Parameters.Add("$id", SqliteType.Integer);
        var lastUsed = delete.Parameters.Add("$lastUsed", SqliteType.Integer);
        delete.Parameters.AddWithValue("$committed", SnapshotRecords.CommittedState);
        var deleted = new HashSet<long>();
        foreach (SnapshotUsage victim in victims)
        {
            if (LeaseRecords.IsSnapshotPinned(connection, victim.Id, isOwnerAlive) || LifecycleRecords.KeyCommittedAs(connection, victim.Id) is not null)
            {
                continue;
            }

            id.Value = victim.Id;
            lastUsed.Value = victim.LastUsedNs;
            if (SnapshotRecords.DropUnusedList(connection, delete))
            {
                deleted.Add(victim.Id);
            }
        }

        transaction.Commit();
        return deleted;
    }

    /// <summary>
    /// Deletes content no snapshot references and no live lease pins (the second half of a delete or an
    /// eviction, and how orphans go): for each candidate, inside a write transaction, re-checks both, drops its
    /// record and lets <paramref name="removeFiles"/> unlink its files. Doing it under the write lock is what makes
    /// concurrent writers safe: a pin committed first is seen here, and a snapshot committing afterwards finds the
    /// content gone when it checks under the same lock (see <see cref="SnapshotRecords.Commit"/>). A crash before the commit
    /// leaves only a record without files and without references, which the next collection drops.
    /// Digests remembered for source files holding that content are forgotten with it.
    /// </summary>
    /// <returns>The released content, with its stored size when it had a content record.</returns>
    public List<ContentRecord> ReleaseUnreferenced(IReadOnlyList<Digest> candidates, Func<string, bool> isOwnerAlive, Action<Digest> removeFiles, CancellationToken cancellation = default)
    {
        var released = new List<ContentRecord>();
        for (int start = 0; start < candidates.Count; start += DeletionChunk)
        {
            cancellation.ThrowIfCancellationRequested();
            using var connection = _database.Connect();
            using var transaction = connection.BeginTransaction();
            using var referenced = connection.CreateCommand();
            referenced.CommandText = "SELECT 1 FROM files WHERE digest = $digest LIMIT 1";
            var referencedDigest = referenced.Parameters.Add("$digest", SqliteType.Text);
            using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM content WHERE digest = $digest RETURNING size, encoded_size";
            var deletedDigest = delete.Parameters.Add("$digest", SqliteType.Text);
            HashSet<Digest> pinned = LeaseRecords.LivePinnedContent(connection, isOwnerAlive);
            foreach (Digest digest in candidates.Skip(start).Take(DeletionChunk))
            {
                string text = digest.ToString();
                referencedDigest.Value = deletedDigest.Value = text;
                if (referenced.ExecuteScalar() is not null || pinned.Contains(digest))
                {
                    continue;
                }

                using (var reader = delete.ExecuteReader())
                {
                    released.Add(reader.Read() ? new ContentRecord(digest, reader.GetInt64(0), reader.GetInt64(1)) : new ContentRecord(digest, 0, 0));
                }

                RememberedDigests.ForgetHolding(connection, text);
                removeFiles(digest);
            }

            transaction.Commit();
        }

        return released;
    }
}
