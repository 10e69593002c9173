using Microsoft.Data.Sqlite;
using Snapshotter.Errors;

namespace Snapshotter.Metadata;

/// <summary>
/// containerd's snapshot lifecycle: views and actives made from a committed parent (or from nothing), actives committed
/// under a name. Every change is one write transaction that checks what it relies on (the key is free, the parent is
/// committed, no child exists) under SQLite's write lock, so concurrent calls in any process see each other's changes
/// whole or not at all, and a refused call changes nothing. Keys are any non-empty string: they are stored, never used
/// as paths (a snapshot's directory is named by its id).
/// </summary>
internal sealed class LifecycleRecords
{
    public const int ViewKind = 1;
    public const int ActiveKind = 2;
    public const int CommittedKind = 3;

    private const string Columns = """
        c.id, c.key, c.kind, c.parent_id, p.key, c.created_ns, c.updated_ns, c.snapshot_id, s.name, s.version
        FROM lifecycle c LEFT JOIN lifecycle p ON p.id = c.parent_id LEFT JOIN snapshots s ON s.id = c.snapshot_id
        """;

    private readonly MetadataDatabase _database;

    public LifecycleRecords(MetadataDatabase database) => _database = database;

    /// <summary>
    /// Records a new view or active named <paramref name="key"/> over <paramref name="parentKey"/> (a committed
    /// snapshot, or none), and lets <paramref name="makeDirectory"/> make its directory from its id inside the same
    /// transaction: when it fails, nothing is recorded.
    /// </summary>
    public LifecycleRecord Create(string key, int kind, string? parentKey, IReadOnlyDictionary<string, string> labels, long nowNs, Action<long> makeDirectory)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        if (Find(connection, key) is not null)
        {
            throw SnapshotterException.AlreadyExists($"lifecycle snapshot '{key}' already exists");
        }

        long? parentId = null;
        if (parentKey is not null)
        {
            LifecycleRecord parent = Find(connection, parentKey) ?? throw SnapshotterException.NotFound($"parent '{parentKey}' does not exist");
            if (parent.Kind != CommittedKind)
            {
                throw SnapshotterException.FailedPrecondition($"parent '{parentKey}' is {KindName(parent.Kind)}, not committed: only committed snapshots can be parents");
            }

            parentId = parent.Id;
        }

        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO lifecycle (key, kind, parent_id, created_ns, updated_ns) VALUES ($key, $kind, $parent, $now, $now) RETURNING id
                """;
            insert.Parameters.AddWithValue("$key", key);
            insert.Parameters.AddWithValue("$kind", kind);
            insert.Parameters.AddWithValue("$parent", (object?)parentId ?? DBNull.Value);
            insert.Parameters.AddWithValue("$now", nowNs);
            long id = (long)insert.ExecuteScalar()!;
            WriteLabels(connection, id, labels);
            makeDirectory(id);
        }

        LifecycleRecord created = Find(connection, key)!;
        transaction.Commit();
        return created;
    }

    public LifecycleRecord? Find(string key)
    {
        using var connection = _database.Connect(durable: false);
        return Find(connection, key);
    }

    /// <summary>Every lifecycle snapshot, by key.</summary>
    public List<LifecycleRecord> List()
    {
        using var connection = _database.Connect(durable: false);
        using var transaction = connection.BeginTransaction(deferred: true);
        return Read(connection, $"SELECT {Columns} ORDER BY c.key", null);
    }

    /// <summary>How many snapshots have <paramref name="key"/> as their parent.</summary>
    public long ChildCount(string key)
    {
        using var connection = _database.Connect(durable: false);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM lifecycle c JOIN lifecycle p ON p.id = c.parent_id WHERE p.key = $key";
        count.Parameters.AddWithValue("$key", key);
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>The ids of <paramref name="id"/> and its ancestors, itself first, its root last.</summary>
    public List<long> Chain(long id)
    {
        using var connection = _database.Connect(durable: false);
        using var chain = connection.CreateCommand();
        chain.CommandText = """
            WITH RECURSIVE chain (id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM lifecycle WHERE id = $id
                UNION ALL
                SELECT l.id, l.parent_id, c.depth + 1 FROM lifecycle l JOIN chain c ON l.id = c.parent_id)
            SELECT id FROM chain ORDER BY depth
            """;
        chain.Parameters.AddWithValue("$id", id);
        using var reader = chain.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>Replaces the labels of <paramref name="key"/> with what <paramref name="change"/> makes of them (it
    /// validates, throwing to refuse) and stamps the update time.</summary>
    public LifecycleRecord Update(string key, Func<SortedDictionary<string, string>, IReadOnlyDictionary<string, string>> change, long nowNs)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        LifecycleRecord record = Find(connection, key) ?? throw SnapshotterException.NotFound($"lifecycle snapshot '{key}' does not exist");
        IReadOnlyDictionary<string, string> labels = change(record.Labels);
        using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM lifecycle_labels WHERE lifecycle_id = $id; UPDATE lifecycle SET updated_ns = $now WHERE id = $id";
            delete.Parameters.AddWithValue("$id", record.Id);
            delete.Parameters.AddWithValue("$now", Math.Max(nowNs, record.UpdatedNs));
            delete.ExecuteNonQuery();
        }

        WriteLabels(connection, record.Id, labels);
        LifecycleRecord updated = Find(connection, key)!;
        transaction.Commit();
        return updated;
    }

    /// <summary>
    /// Turns the active <see cref="LifecycleCommit.Key"/> into the committed snapshot <see cref="LifecycleCommit.Name"/>
    /// (same id, same parent, new labels), recorded as snapshot <paramref name="snapshotId"/>, inside the caller's write
    /// transaction (the one that commits that snapshot). Everything the commit was checked for before it began is
    /// checked again: a failure here rolls the snapshot back with it.
    /// </summary>
    internal static void CommitActive(SqliteConnection connection, LifecycleCommit lifecycle, long snapshotId, long nowNs)
    {
        (long id, string key, string name) = (lifecycle.Id, lifecycle.Key, lifecycle.Name);
        LifecycleRecord active = Find(connection, key) ?? throw SnapshotterException.NotFound($"active snapshot '{key}' does not exist");
        if (active.Id != id || active.Kind != ActiveKind)
        {
            throw SnapshotterException.FailedPrecondition($"'{key}' is {KindName(active.Kind)} now, not the active snapshot the commit began with");
        }

        if (Find(connection, name) is not null)
        {
            throw SnapshotterException.AlreadyExists($"lifecycle snapshot '{name}' already exists");
        }

        using (var commit = connection.CreateCommand())
        {
            commit.CommandText = """
                UPDATE lifecycle SET key = $name, kind = $committed, created_ns = $now, updated_ns = $now, snapshot_id = $snapshot WHERE id = $id;
                DELETE FROM lifecycle_labels WHERE lifecycle_id = $id
                """;
            commit.Parameters.AddWithValue("$name", name);
            commit.Parameters.AddWithValue("$committed", CommittedKind);
            commit.Parameters.AddWithValue("$now", nowNs);
            commit.Parameters.AddWithValue("$snapshot", snapshotId);
            commit.Parameters.AddWithValue("$id", id);
            commit.ExecuteNonQuery();
        }

        WriteLabels(connection, id, lifecycle.Labels);
    }

    /// <summary>
    /// Removes <paramref name="key"/> (FAILED_PRECONDITION while it has children), with the snapshot a committed one
    /// was recorded as, in one transaction. Returns what was removed and what that snapshot referenced.
    /// </summary>
    public (LifecycleRecord Removed, DeletedSnapshot? Snapshot) Remove(string key)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction();
        LifecycleRecord record = Find(connection, key) ?? throw SnapshotterException.NotFound($"lifecycle snapshot '{key}' does not exist");
        using (var children = connection.CreateCommand())
        {
            children.CommandText = "SELECT count(*) FROM lifecycle WHERE parent_id = $id";
            children.Parameters.AddWithValue("$id", record.Id);
            if ((long)children.ExecuteScalar()! is var count and > 0)
            {
                throw SnapshotterException.FailedPrecondition($"lifecycle snapshot '{key}' has {count} child snapshot(s): remove them first");
            }
        }

        using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM lifecycle WHERE id = $id";
            delete.Parameters.AddWithValue("$id", record.Id);
            delete.ExecuteNonQuery();
        }

        DeletedSnapshot? snapshot = record.SnapshotId is { } snapshotId ? SnapshotRecords.DeleteCommitted(connection, snapshotId) : null;
        transaction.Commit();
        return (record, snapshot);
    }

    /// <summary>
    /// Lets <paramref name="sweep"/> remove the directories of ids no lifecycle snapshot has (what a crash between a
    /// removal's commit and its directory's deletion leaves) while this holds the write lock: no snapshot can be
    /// created meanwhile, so a directory being made for one is never taken for a leftover.
    /// </summary>
    public void SweepUnrecorded(Action<HashSet<long>> sweep)
    {
        using var connection = _database.Connect(durable: false);
        using var transaction = connection.BeginTransaction();
        using var ids = connection.CreateCommand();
        ids.CommandText = "SELECT id FROM lifecycle";
        var live = new HashSet<long>();
        using (var reader = ids.ExecuteReader())
        {
            while (reader.Read())
            {
                live.Add(reader.GetInt64(0));
            }
        }

        sweep(live);
        transaction.Commit();
    }

    /// <summary>The key of the committed lifecycle snapshot recorded as snapshot <paramref name="snapshotId"/>, if any.</summary>
    public string? KeyCommittedAs(long snapshotId)
    {
        using var connection = _database.Connect(durable: false);
        return KeyCommittedAs(connection, snapshotId);
    }

    /// <summary>As <see cref="KeyCommittedAs(long)"/>, inside the caller's transaction.</summary>
    internal static string? KeyCommittedAs(SqliteConnection connection, long snapshotId)
    {
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT key FROM lifecycle WHERE snapshot_id = $id";
        find.Parameters.AddWithValue("$id", snapshotId);
        return find.ExecuteScalar() as string;
    }

    public static string KindName(int kind) => kind switch
    {
        ViewKind => "a view",
        ActiveKind => "an active snapshot",
        CommittedKind => "committed",
        _ => $"of unknown kind {kind}",
    };

    private static LifecycleRecord? Find(SqliteConnection connection, string key) =>
        Read(connection, $"SELECT {Columns} WHERE c.key = $key", key).SingleOrDefault();

    private static List<LifecycleRecord> Read(SqliteConnection connection, string sql, string? key)
    {
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        if (key is not null)
        {
            query.Parameters.AddWithValue("$key", key);
        }

        var records = new List<LifecycleRecord>();
        using (var reader = query.ExecuteReader())
        {
            while (reader.Read())
            {
                records.Add(new LifecycleRecord(
                    Id: reader.GetInt64(0),
                    Key: reader.GetString(1),
                    Kind: (int)reader.GetInt64(2),
                    ParentId: reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    ParentKey: reader.IsDBNull(4) ? null : reader.GetString(4),
                    Labels: new SortedDictionary<string, string>(StringComparer.Ordinal),
                    CreatedNs: reader.GetInt64(5),
                    UpdatedNs: reader.GetInt64(6),
                    SnapshotId: reader.IsDBNull(7) ? null : reader.GetInt64(7),
                    SnapshotName: reader.IsDBNull(8) ? null : reader.GetString(8),
                    SnapshotVersion: reader.IsDBNull(9) ? null : reader.GetString(9)));
            }
        }

        if (records.Count > 0)
        {
            var byId = records.ToDictionary(r => r.Id);
            using var labels = connection.CreateCommand();
            labels.CommandText = key is null
                ? "SELECT lifecycle_id, name, value FROM lifecycle_labels"
                : "SELECT lifecycle_id, name, value FROM lifecycle_labels WHERE lifecycle_id = $id";
            labels.Parameters.AddWithValue("$id", records[0].Id);
            using var reader = labels.ExecuteReader();
            while (reader.Read())
            {
                if (byId.TryGetValue(reader.GetInt64(0), out LifecycleRecord? record))
                {
                    record.Labels[reader.GetString(1)] = reader.GetString(2);
                }
            }
        }

        return records;
    }

    private static void WriteLabels(SqliteConnection connection, long id, IReadOnlyDictionary<string, string> labels)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO lifecycle_labels (lifecycle_id, name, value) VALUES ($id, $name, $value)";
        insert.Parameters.AddWithValue("$id", id);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var value = insert.Parameters.Add("$value", SqliteType.Text);
        foreach ((string labelName, string labelValue) in labels)
        {
            name.Value = labelName;
            value.Value = labelValue;
            insert.ExecuteNonQuery();
        }
    }
}
