using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// Snapshots and their lifecycle. A snapshot is first recorded as pending (reserving its name) and becomes visible only
/// when <see cref="Commit"/> records its files (<see cref="FileLists"/>) in the same transaction that marks it
/// committed.
/// </summary>
internal sealed class SnapshotRecords
{
    private const int PendingState = 0;
    internal const int CommittedState = 1;

    private readonly MetadataDatabase _database;
    private readonly FileLists _lists;

    public SnapshotRecords(MetadataDatabase database, FileLists lists)
    {
        _database = database;
        _lists = lists;
    }

    /// <summary>
    /// Reserves name:version for a snapshot being built by <paramref name="owner"/>. A reservation left by
    /// an owner that is no longer alive is taken over; anything else there is AlreadyExists.
    /// </summary>
    public long InsertPending(string name, string version, long nowNs, string owner, Func<string, bool> isOwnerAlive)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        using var existing = connection.CreateCommand();
        existing.CommandText = "SELECT id, state, owner FROM snapshots WHERE name = $name AND version = $version";
        existing.Parameters.AddWithValue("$name", name);
        existing.Parameters.AddWithValue("$version", version);
        using (var reader = existing.ExecuteReader())
        {
            if (reader.Read())
            {
                bool abandoned = reader.GetInt64(1) == PendingState && (reader.IsDBNull(2) || !isOwnerAlive(reader.GetString(2)));
                if (!abandoned)
                {
                    throw SnapshotterException.AlreadyExists(reader.GetInt64(1) == PendingState
                        ? $"snapshot '{name}:{version}' is being created by another call"
                        : $"snapshot '{name}:{version}' already exists");
                }

                DeleteSnapshotRow(connection, reader.GetInt64(0));
            }
        }

        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO snapshots (name, version, state, created_ns, last_used_ns, owner)
            VALUES ($name, $version, $pending, $now, $now, $owner)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$name", name);
        insert.Parameters.AddWithValue("$version", version);
        insert.Parameters.AddWithValue("$pending", PendingState);
        insert.Parameters.AddWithValue("$now", nowNs);
        insert.Parameters.AddWithValue("$owner", owner);
        long id = (long)insert.ExecuteScalar()!;
        transaction.Commit();
        return id;
    }

    /// <summary>Drops the pending reservations of owners that are no longer alive (or only counts them when
    /// <paramref name="delete"/> is false). Returns how many.</summary>
    public int DeleteAbandonedPending(Func<string, bool> isOwnerAlive, bool delete = true)
    {
        using var connection = _database.Connect();
        var abandoned = new List<long>();
        using (var pending = connection.CreateCommand())
        {
            pending.CommandText = "SELECT id, owner FROM snapshots WHERE state = $pending";
            pending.Parameters.AddWithValue("$pending", PendingState);
            using var reader = pending.ExecuteReader();
            while (reader.Read())
            {
                if (reader.IsDBNull(1) || !isOwnerAlive(reader.GetString(1)))
                {
                    abandoned.Add(reader.GetInt64(0));
                }
            }
        }

        foreach (long id in delete ? abandoned : [])
        {
            using var transaction = connection.BeginTransaction();
            DeleteSnapshotRow(connection, id, onlyPending: true);
            transaction.Commit();
        }

        return abandoned.Count;
    }

    /// <summary>
    /// Makes a pending snapshot visible with its files and their content, in one transaction. With
    /// <paramref name="isContentPresent"/>, every digest is first checked while the transaction holds the database's
    /// write lock, the lock <see cref="GcRecords.ReleaseUnreferenced"/> deletes content under: content deleted since the caller
    /// stored or found it is returned and nothing is committed, so a snapshot never becomes visible without its
    /// content. <paramref name="createdNs"/> keeps a creation time from elsewhere (an imported snapshot's).
    /// </summary>
    /// <param name="lifecycle">The active this snapshot commits, turned committed in the same transaction (see
    /// <see cref="LifecycleRecords.CommitActive"/>); its files are recorded as a delta over its parent's.</param>
    /// <returns>The digests found missing; empty when the snapshot was committed.</returns>
    public IReadOnlyList<Digest> Commit(
        long snapshotId,
        IReadOnlyList<FileRecord> files,
        IReadOnlyCollection<ContentRecord> contents,
        long nowNs,
        Func<Digest, bool>? isContentPresent = null,
        long? createdNs = null,
        LifecycleCommit? lifecycle = null)
    {
        SortedFileList sorted = files as SortedFileList ?? SortedFileList.Of(files);
        byte[] key = sorted.Key;
        FileLists.ListBase? deltaBase = lifecycle is { ParentSnapshotId: { } parent } ? _lists.ReadDeltaBaseOf(parent, sorted)
            : lifecycle is null && PendingName(snapshotId) is { } name ? _lists.ReadDeltaBase(name, sorted)
            : null;
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        (long listId, IReadOnlyList<Digest> missing) = FileLists.Record(connection, key, files, contents, deltaBase, nowNs, isContentPresent);
        if (missing.Count > 0)
        {
            return missing;
        }

        using (var markCommitted = connection.CreateCommand())
        {
            markCommitted.CommandText = """
                UPDATE snapshots SET state = $committed, created_ns = $created, last_used_ns = $now, owner = NULL, list_id = $list
                WHERE id = $id AND state = $pending
                """;
            markCommitted.Parameters.AddWithValue("$list", listId);
            markCommitted.Parameters.AddWithValue("$committed", CommittedState);
            markCommitted.Parameters.AddWithValue("$pending", PendingState);
            markCommitted.Parameters.AddWithValue("$created", createdNs ?? nowNs);
            markCommitted.Parameters.AddWithValue("$now", nowNs);
            markCommitted.Parameters.AddWithValue("$id", snapshotId);
            if (markCommitted.ExecuteNonQuery() != 1)
            {
                throw new SnapshotterException(ErrorCode.Internal, $"pending snapshot record {snapshotId} disappeared before it was committed");
            }
        }

        if (lifecycle is not null)
        {
            LifecycleRecords.CommitActive(connection, lifecycle, snapshotId, nowNs);
        }

        transaction.Commit();
        return [];
    }

    /// <summary>
    /// Records a snapshot pulled from a remote catalog as committed, with its files and content references, in
    /// one transaction: from then on it is a snapshot like any other. When name:version appeared meanwhile
    /// (another call pulled it too, or a local snapshot was committed), that one is kept and returned. A
    /// reservation by a live owner (a local snapshot being made) is ALREADY_EXISTS; an abandoned one is taken
    /// over. As in <see cref="Commit"/>, content deleted since the caller fetched it is returned (and nothing
    /// recorded), checked under the write lock deletes take.
    /// </summary>
    public (SnapshotRecord? Snapshot, IReadOnlyList<Digest> Missing) CommitPulled(
        string name,
        string version,
        IReadOnlyList<FileRecord> files,
        IReadOnlyCollection<ContentRecord> contents,
        long nowNs,
        Func<string, bool> isOwnerAlive,
        Func<Digest, bool> isContentPresent)
    {
        SortedFileList sorted = SortedFileList.Of(files);
        byte[] key = sorted.Key;
        FileLists.ListBase? deltaBase = _lists.ReadDeltaBase(name, sorted);
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        using (var existing = connection.CreateCommand())
        {
            existing.CommandText = "SELECT id, state, owner, created_ns, last_used_ns FROM snapshots WHERE name = $name AND version = $version";
            existing.Parameters.AddWithValue("$name", name);
            existing.Parameters.AddWithValue("$version", version);
            using var reader = existing.ExecuteReader();
            if (reader.Read())
            {
                long id = reader.GetInt64(0);
                if (reader.GetInt64(1) == CommittedState)
                {
                    return (new SnapshotRecord(id, name, version, reader.GetInt64(3), reader.GetInt64(4)), []);
                }

                if (!reader.IsDBNull(2) && isOwnerAlive(reader.GetString(2)))
                {
                    throw SnapshotterException.AlreadyExists($"snapshot '{name}:{version}' is being created by another call");
                }

                reader.Close();
                DeleteSnapshotRow(connection, id);
            }
        }

        (long listId, IReadOnlyList<Digest> missing) = FileLists.Record(connection, key, files, contents, deltaBase, nowNs, isContentPresent);
        if (missing.Count > 0)
        {
            return (null, missing);
        }

        long snapshotId;
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO snapshots (name, version, state, created_ns, last_used_ns, owner, list_id)
                VALUES ($name, $version, $committed, $now, $now, NULL, $list)
                RETURNING id
                """;
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$version", version);
            insert.Parameters.AddWithValue("$committed", CommittedState);
            insert.Parameters.AddWithValue("$now", nowNs);
            insert.Parameters.AddWithValue("$list", listId);
            snapshotId = (long)insert.ExecuteScalar()!;
        }

        transaction.Commit();
        return (new SnapshotRecord(snapshotId, name, version, nowNs, nowNs), []);
    }

    private string? PendingName(long snapshotId)
    {
        using var connection = _database.Connect(durable: false);
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT name FROM snapshots WHERE id = $id";
        find.Parameters.AddWithValue("$id", snapshotId);
        return find.ExecuteScalar() as string;
    }

    /// <summary>Drops a pending reservation (the snapshot failed or was cancelled). Committed snapshots are untouched.</summary>
    public void DeletePending(long snapshotId)
    {
        using var connection = _database.Connect();
        DeleteSnapshotRow(connection, snapshotId, onlyPending: true);
    }

    public SnapshotRecord? FindCommitted(string name, string version)
    {
        using var connection = _database.Connect();
        return FindCommitted(connection, name, version);
    }

    /// <summary>The committed snapshot name:version with the key of the file list it records (see
    /// <see cref="FileListKey"/>), null for one without a list.</summary>
    public (SnapshotRecord Snapshot, byte[]? ListKey)? FindCommittedWithListKey(string name, string version)
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.id, s.name, s.version, s.created_ns, s.last_used_ns, l.key FROM snapshots s LEFT JOIN file_lists l ON l.id = s.list_id
            WHERE s.name = $name AND s.version = $version AND s.state = $committed
            """;
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$version", version);
        command.Parameters.AddWithValue("$committed", CommittedState);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? (new SnapshotRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)), reader.IsDBNull(5) ? null : (byte[])reader.GetValue(5))
            : null;
    }

    /// <summary>Inside the caller's transaction.</summary>
    internal static SnapshotRecord? FindCommitted(SqliteConnection connection, string name, string version)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, name, version, created_ns, last_used_ns FROM snapshots
            WHERE name = $name AND version = $version AND state = $committed
            """;
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$version", version);
        command.Parameters.AddWithValue("$committed", CommittedState);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new SnapshotRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4))
            : null;
    }

    /// <summary>The committed versions of <paramref name="name"/> with their creation times (Unix ns).</summary>
    public List<(string Version, long CreatedNs)> ListVersions(string name)
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, created_ns FROM snapshots WHERE name = $name AND state = $committed";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$committed", CommittedState);
        using var reader = command.ExecuteReader();
        var versions = new List<(string, long)>();
        while (reader.Read())
        {
            versions.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return versions;
    }

    /// <summary>
    /// Committed snapshots with their file counts and sizes, ordered by name, creation time and version; only
    /// those of <paramref name="name"/> (and <paramref name="version"/>) when given.
    /// </summary>
    public List<SnapshotSummary> ListCommitted(string? name = null, string? version = null)
    {
        using var connection = _database.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT s.id, s.name, s.version, s.created_ns, s.last_used_ns, coalesce(l.files, 0), coalesce(l.bytes, 0), coalesce(l.stored_bytes, 0)
            FROM snapshots s LEFT JOIN file_lists l ON l.id = s.list_id
            WHERE s.state = $committed AND ($name IS NULL OR s.name = $name) AND ($version IS NULL OR s.version = $version)
            ORDER BY s.name, s.created_ns, s.version
            """;
        command.Parameters.AddWithValue("$committed", CommittedState);
        command.Parameters.AddWithValue("$name", (object?)name ?? DBNull.Value);
        command.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var summaries = new List<SnapshotSummary>();
        while (reader.Read())
        {
            summaries.Add(new SnapshotSummary(
                new SnapshotRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4)),
                Files: reader.GetInt64(5),
                Bytes: reader.GetInt64(6),
                StoredBytes: reader.GetInt64(7)));
        }

        return summaries;
    }

    /// <summary>
    /// Deletes a committed snapshot's metadata, in one transaction, its file list with it unless another snapshot
    /// shares the list: the first half of a delete, metadata before content. Returns the digests it referenced
    /// (candidates for <see cref="GcRecords.ReleaseUnreferenced"/>), or null when no such snapshot is committed. A
    /// snapshot a lifecycle snapshot was committed as is FAILED_PRECONDITION: it goes with that one's removal.
    /// </summary>
    public DeletedSnapshot? DeleteCommitted(string name, string version)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        if (FindCommitted(connection, name, version) is not { } snapshot)
        {
            return null;
        }

        if (LifecycleRecords.KeyCommittedAs(connection, snapshot.Id) is { } key)
        {
            throw SnapshotterException.FailedPrecondition($"snapshot '{name}:{version}' is the committed lifecycle snapshot '{key}': remove that one instead");
        }

        DeletedSnapshot deleted = DeleteCommitted(connection, snapshot.Id);
        transaction.Commit();
        return deleted;
    }

    /// <summary>Deletes the committed snapshot <paramref name="id"/> inside the caller's write transaction, as
    /// <see cref="DeleteCommitted(string, string)"/> does.</summary>
    internal static DeletedSnapshot DeleteCommitted(SqliteConnection connection, long id)
    {
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT s.list_id, l.files FROM snapshots s JOIN file_lists l ON l.id = s.list_id WHERE s.id = $id";
        find.Parameters.AddWithValue("$id", id);
        long listId, files;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read())
            {
                throw new SnapshotterException(ErrorCode.Internal, $"committed snapshot record {id} has no file list");
            }

            (listId, files) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        // The rows of the snapshot's own list name everything its deletion can leave unreferenced: a delta's base stays
        // with the base's own snapshot, and a base's rows are its own.
        using var digests = connection.CreateCommand();
        digests.CommandText = "SELECT DISTINCT digest FROM files WHERE list_id = $list AND digest IS NOT NULL";
        digests.Parameters.AddWithValue("$list", listId);
        var referenced = new List<Digest>();
        using (var reader = digests.ExecuteReader())
        {
            while (reader.Read())
            {
                referenced.Add(Digest.Parse(reader.GetString(0)));
            }
        }

        DeleteSnapshotRow(connection, id);
        return new DeletedSnapshot(files, referenced);
    }

    /// <summary>Records that a snapshot was used now (for least-recently-used eviction). A hint, so its commit
    /// skips the fsync: power loss may forget it (the eviction order is then a little stale), never corrupt it.</summary>
    public void Touch(long snapshotId, long nowNs)
    {
        using var connection = _database.Connect(durable: false);
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE snapshots SET last_used_ns = max(last_used_ns, $now) WHERE id = $id";
        command.Parameters.AddWithValue("$id", snapshotId);
        command.Parameters.AddWithValue("$now", nowNs);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Deletes a snapshot row (only a pending one with <paramref name="onlyPending"/>) inside the caller's write
    /// transaction, with its file list when no other snapshot names it: deltas over that list are rebased first.
    /// Returns whether a row was deleted.
    /// </summary>
    private static bool DeleteSnapshotRow(SqliteConnection connection, long id, bool onlyPending = false)
    {
        using var delete = connection.CreateCommand();
        delete.CommandText = onlyPending
            ? "DELETE FROM snapshots WHERE id = $id AND state = $pending RETURNING list_id"
            : "DELETE FROM snapshots WHERE id = $id RETURNING list_id";
        delete.Parameters.AddWithValue("$id", id);
        delete.Parameters.AddWithValue("$pending", PendingState);
        return DropUnusedList(connection, delete);
    }

    /// <summary>Runs a snapshot deletion returning list_id, then drops that list if nothing names it any more.</summary>
    internal static bool DropUnusedList(SqliteConnection connection, SqliteCommand deleteReturningList)
    {
        object? list;
        using (var reader = deleteReturningList.ExecuteReader())
        {
            if (!reader.Read())
            {
                return false;
            }

            list = reader.IsDBNull(0) ? null : reader.GetInt64(0);
        }

        if (list is long listId)
        {
            FileLists.DropIfUnnamed(connection, listId);
        }

        return true;
    }
}
