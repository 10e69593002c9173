using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// Snapshot metadata in SQLite under RootDir/metadata. WAL mode and busy waiting let several handles and
/// processes share one database; synchronous=FULL makes every commit survive power loss. A snapshot is
/// first recorded as pending (reserving its name) and becomes visible only when <see cref="Commit"/>
/// records its files in the same transaction that marks it committed. A file list is recorded once and shared by every
/// snapshot with the same files, and a new version's list is recorded as its difference from the previous one where
/// that is small (MetadataStore.Lists.cs): a new version of an unchanged tree costs one row, one with 1 % of its files
/// changed rows for that 1 %.
/// </summary>
internal sealed partial class MetadataStore
{
    public const string DatabaseFileName = "snapshotter.db";
    private const int BusyTimeoutSeconds = 60;
    private const int PendingState = 0;
    internal const int CommittedState = 1;

    private static readonly Lazy<bool> SqliteInitialized = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    private readonly string _connectionString;

    private MetadataStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();
    }

    public string Path { get; }

    public static MetadataStore Open(string metadataDir)
    {
        _ = SqliteInitialized.Value;
        var store = new MetadataStore(System.IO.Path.Join(metadataDir, DatabaseFileName));
        store.Migrate();
        return store;
    }

    /// <summary>
    /// Reserves name:version for a snapshot being built by <paramref name="owner"/>. A reservation left by
    /// an owner that is no longer alive is taken over; anything else there is AlreadyExists.
    /// </summary>
    public long InsertPending(string name, string version, long nowNs, string owner, Func<string, bool> isOwnerAlive)
    {
        using var connection = Connect();
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
        using var connection = Connect();
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
    /// write lock, the lock <see cref="ReleaseUnreferenced"/> deletes content under: content deleted since the caller
    /// stored or found it is returned and nothing is committed, so a snapshot never becomes visible without its
    /// content. <paramref name="createdNs"/> keeps a creation time from elsewhere (an imported snapshot's).
    /// </summary>
    /// <returns>The digests found missing; empty when the snapshot was committed.</returns>
    public IReadOnlyList<Digest> Commit(
        long snapshotId,
        IReadOnlyList<FileRecord> files,
        IReadOnlyCollection<ContentRecord> contents,
        long nowNs,
        Func<Digest, bool>? isContentPresent = null,
        long? createdNs = null)
    {
        byte[] key = FileListKey.Of(files);
        ListBase? deltaBase = PendingName(snapshotId) is { } name ? ReadDeltaBase(name, key) : null;
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        (long listId, IReadOnlyList<Digest> missing) = RecordFileList(connection, key, files, contents, deltaBase, nowNs, isContentPresent);
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
        byte[] key = FileListKey.Of(files);
        ListBase? deltaBase = ReadDeltaBase(name, key);
        using var connection = Connect();
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

        (long listId, IReadOnlyList<Digest> missing) = RecordFileList(connection, key, files, contents, deltaBase, nowNs, isContentPresent);
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
        using var connection = Connect(durable: false);
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT name FROM snapshots WHERE id = $id";
        find.Parameters.AddWithValue("$id", snapshotId);
        return find.ExecuteScalar() as string;
    }

    /// <summary>Drops a pending reservation (the snapshot failed or was cancelled). Committed snapshots are untouched.</summary>
    public void DeletePending(long snapshotId)
    {
        using var connection = Connect();
        DeleteSnapshotRow(connection, snapshotId, onlyPending: true);
    }

    public SnapshotRecord? FindCommitted(string name, string version)
    {
        using var connection = Connect();
        return FindCommitted(connection, name, version);
    }

    private static SnapshotRecord? FindCommitted(SqliteConnection connection, string name, string version)
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
        using var connection = Connect();
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
        using var connection = Connect();
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
    /// (candidates for <see cref="ReleaseUnreferenced"/>), or null when no such snapshot is committed.
    /// </summary>
    public DeletedSnapshot? DeleteCommitted(string name, string version)
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        using var find = connection.CreateCommand();
        find.CommandText = """
            SELECT s.id, s.list_id, l.files FROM snapshots s JOIN file_lists l ON l.id = s.list_id
            WHERE s.name = $name AND s.version = $version AND s.state = $committed
            """;
        find.Parameters.AddWithValue("$name", name);
        find.Parameters.AddWithValue("$version", version);
        find.Parameters.AddWithValue("$committed", CommittedState);
        long id, listId, files;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            (id, listId, files) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        // The rows of the snapshot's own list name everything its deletion can leave unreferenced: a delta's base stays
        // with the base's own snapshot, and a base's rows are its own.
        using var digests = connection.CreateCommand();
        digests.CommandText = "SELECT DISTINCT digest FROM files WHERE list_id = $list";
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
        transaction.Commit();
        return new DeletedSnapshot(files, referenced);
    }

    /// <summary>The digests among <paramref name="digests"/> not yet recorded as uploaded to <paramref name="location"/>.</summary>
    public List<Digest> NotUploaded(IEnumerable<Digest> digests, string location)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM published WHERE digest = $digest AND location = $location";
        var digest = command.Parameters.Add("$digest", SqliteType.Text);
        command.Parameters.AddWithValue("$location", location);
        var missing = new List<Digest>();
        foreach (Digest candidate in digests)
        {
            digest.Value = candidate.ToString();
            if (command.ExecuteScalar() is null)
            {
                missing.Add(candidate);
            }
        }

        return missing;
    }

    /// <summary>Remembers that these digests exist at <paramref name="location"/>, so they are not uploaded again.</summary>
    public void MarkUploaded(IEnumerable<Digest> digests, string location, long nowNs)
    {
        using var connection = Connect();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO published (digest, location, published_ns) VALUES ($digest, $location, $now)
            ON CONFLICT (digest, location) DO NOTHING
            """;
        var digest = command.Parameters.Add("$digest", SqliteType.Text);
        command.Parameters.AddWithValue("$location", location);
        command.Parameters.AddWithValue("$now", nowNs);
        foreach (Digest published in digests)
        {
            digest.Value = published.ToString();
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Records that a snapshot was used now (for least-recently-used eviction). A hint, so its commit
    /// skips the fsync: power loss may forget it (the eviction order is then a little stale), never corrupt it.</summary>
    public void Touch(long snapshotId, long nowNs)
    {
        using var connection = Connect(durable: false);
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE snapshots SET last_used_ns = max(last_used_ns, $now) WHERE id = $id";
        command.Parameters.AddWithValue("$id", snapshotId);
        command.Parameters.AddWithValue("$now", nowNs);
        command.ExecuteNonQuery();
    }

    /// <summary>Writes the write-ahead log back into the database and truncates it, giving its space back to the
    /// filesystem. Readers elsewhere can keep it from finishing: it then waits at most a second and leaves the log to
    /// SQLite's own checkpoints.</summary>
    public void TruncateLog()
    {
        using var connection = Connect();
        Run(connection, "PRAGMA busy_timeout = 1000; PRAGMA wal_checkpoint(TRUNCATE);");
    }

    /// <param name="durable">FULL: the commit survives power loss. Otherwise NORMAL, for records that die with their
    /// process anyway (leases): in WAL mode that skips the fsync but never risks the database's consistency.</param>
    private SqliteConnection Connect(bool durable = true)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            string synchronous = durable ? "FULL" : "NORMAL";
            pragmas.CommandText = $"PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous}; PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};";
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Migrate()
    {
        using var connection = Connect();
        MetadataSchema.Migrate(connection, Path);
    }

    internal static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
