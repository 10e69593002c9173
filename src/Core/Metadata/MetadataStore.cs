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
    private const int SchemaVersion = 4;
    private const int BusyTimeoutSeconds = 60;
    private const int PendingState = 0;
    private const int CommittedState = 1;

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
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        long current = (long)version.ExecuteScalar()!;
        if (current == SchemaVersion)
        {
            return;
        }

        if (current > SchemaVersion)
        {
            throw new SnapshotterException(
                ErrorCode.Unsupported,
                $"metadata database '{Path}' has schema version {current}; this library supports up to {SchemaVersion}");
        }

        using (var create = connection.CreateCommand())
        {
            create.CommandText = (current < 1 ? InitialSchema : "") + (current < 2 ? LeaseSchema : "") + (current < 3 ? IdentitySchema : "");
            create.ExecuteNonQuery();
        }

        if (current < 4)
        {
            MigrateToSharedLists(connection);
        }

        using var setVersion = connection.CreateCommand();
        setVersion.CommandText = $"PRAGMA user_version = {SchemaVersion};";
        setVersion.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>
    /// Schema 4: file lists recorded once and shared, whole or as deltas (files rows belong to a list, snapshots name
    /// theirs; see MetadataStore.Lists.cs), and a lease's pinned digests stored as sets, a row per pin call instead of a
    /// row per digest. Every committed snapshot gets the whole list its rows make, identical lists recorded once; the
    /// rows of each lease's pins become one set.
    /// </summary>
    private static void MigrateToSharedLists(SqliteConnection connection)
    {
        Run(connection, SharedListSchema);
        var committed = new List<long>();
        using (var ids = connection.CreateCommand())
        {
            ids.CommandText = $"SELECT id FROM snapshots WHERE state = {CommittedState} ORDER BY id";
            using var reader = ids.ExecuteReader();
            while (reader.Read())
            {
                committed.Add(reader.GetInt64(0));
            }
        }

        using var find = connection.CreateCommand();
        find.CommandText = "SELECT id FROM file_lists WHERE key = $key";
        var findKey = find.Parameters.Add("$key", SqliteType.Blob);
        using var copy = connection.CreateCommand();
        copy.CommandText = """
            INSERT INTO listed_files (list_id, relative_path, digest, read_only, mode, uid, gid, size, mtime_ns, mtime_offset_s, typeflag, removed)
            SELECT $list, relative_path, digest, read_only, mode, uid, gid, size, mtime_ns, mtime_offset_s, typeflag, 0 FROM files WHERE snapshot_id = $id
            """;
        var copyList = copy.Parameters.Add("$list", SqliteType.Integer);
        var copyId = copy.Parameters.Add("$id", SqliteType.Integer);
        using var read = new RowStatement(connection, $"SELECT {FileColumns}, 0 FROM files WHERE snapshot_id = ?1");
        using var name = connection.CreateCommand();
        name.CommandText = "UPDATE snapshots SET list_id = $list WHERE id = $id";
        var nameList = name.Parameters.Add("$list", SqliteType.Integer);
        var nameId = name.Parameters.Add("$id", SqliteType.Integer);
        foreach (long id in committed)
        {
            List<FileRecord> files = ReadRows(read.Bind(1, id)).Select(r => r.File).ToList();
            byte[] key = FileListKey.Of(files);
            findKey.Value = key;
            if (find.ExecuteScalar() is not long listId)
            {
                listId = InsertFileList(connection, key, files, StoredBytes(connection, files, []), baseId: null);
                copyList.Value = listId;
                copyId.Value = id;
                copy.ExecuteNonQuery();
            }

            nameList.Value = listId;
            nameId.Value = id;
            name.ExecuteNonQuery();
        }

        var pins = new List<(long Lease, Digest Digest)>();
        using (var pinned = connection.CreateCommand())
        {
            pinned.CommandText = "SELECT lease_id, digest FROM leased_digests";
            using var reader = pinned.ExecuteReader();
            while (reader.Read())
            {
                if (Digest.TryParse(reader.GetString(1), out Digest digest))
                {
                    pins.Add((reader.GetInt64(0), digest));
                }
            }
        }

        foreach (IGrouping<long, (long Lease, Digest Digest)> lease in pins.GroupBy(p => p.Lease))
        {
            InsertPinSet(connection, lease.Key, lease.Select(p => p.Digest));
        }

        Run(connection, SharedListSwap);
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private const string InitialSchema = """
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            state INTEGER NOT NULL,
            created_ns INTEGER NOT NULL,
            last_used_ns INTEGER NOT NULL,
            owner TEXT,
            UNIQUE (name, version)
        );
        CREATE TABLE content (
            digest TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            encoded_size INTEGER NOT NULL,
            created_ns INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE files (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
            relative_path TEXT NOT NULL,
            digest TEXT NOT NULL REFERENCES content (digest),
            read_only INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            gid INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            mtime_offset_s INTEGER NOT NULL,
            typeflag INTEGER NOT NULL,
            PRIMARY KEY (snapshot_id, relative_path)
        ) WITHOUT ROWID;
        CREATE INDEX files_by_digest ON files (digest);
        CREATE TABLE published (
            digest TEXT NOT NULL,
            location TEXT NOT NULL,
            published_ns INTEGER NOT NULL,
            PRIMARY KEY (digest, location)
        ) WITHOUT ROWID;

        """;

    /// <summary>Schema 2: leases. A lease belongs to an owner token (an open handle); what it pins stays pinned while
    /// that owner lives, so a killed process's leases stop counting the moment its lock is released.</summary>
    private const string LeaseSchema = """
        CREATE TABLE leases (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL,
            purpose TEXT NOT NULL,
            created_ns INTEGER NOT NULL
        );
        CREATE INDEX leases_by_owner ON leases (owner);
        CREATE TABLE leased_snapshots (
            lease_id INTEGER NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
            snapshot_id INTEGER NOT NULL,
            PRIMARY KEY (lease_id, snapshot_id)
        ) WITHOUT ROWID;
        CREATE INDEX leased_snapshots_by_snapshot ON leased_snapshots (snapshot_id);
        CREATE TABLE leased_content (
            lease_id INTEGER NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
            digest TEXT NOT NULL,
            PRIMARY KEY (lease_id, digest)
        ) WITHOUT ROWID;
        CREATE INDEX leased_content_by_digest ON leased_content (digest);

        """;

    /// <summary>Schema 3: remembered digests by file identity (see <see cref="RememberedDigest"/>), with the boot id
    /// they were remembered in. Devices and inodes are stored as signed 64-bit integers, their bits unchanged.</summary>
    private const string IdentitySchema = """
        CREATE TABLE file_identities (
            device INTEGER NOT NULL,
            inode INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            ctime_ns INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            digest TEXT NOT NULL,
            boot TEXT NOT NULL,
            hashed_ns INTEGER NOT NULL,
            used_ns INTEGER NOT NULL,
            PRIMARY KEY (device, inode)
        ) WITHOUT ROWID;
        CREATE INDEX file_identities_by_digest ON file_identities (digest);

        """;

    /// <summary>Schema 4, before its rows are converted: the new tables beside the old ones.</summary>
    private const string SharedListSchema = """
        CREATE TABLE file_lists (
            id INTEGER PRIMARY KEY,
            key BLOB NOT NULL UNIQUE,
            files INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            stored_bytes INTEGER NOT NULL,
            base_id INTEGER REFERENCES file_lists (id)
        );
        CREATE INDEX file_lists_by_base ON file_lists (base_id);
        ALTER TABLE snapshots ADD COLUMN list_id INTEGER REFERENCES file_lists (id);
        CREATE INDEX snapshots_by_list ON snapshots (list_id);
        CREATE TABLE listed_files (
            list_id INTEGER NOT NULL REFERENCES file_lists (id) ON DELETE CASCADE,
            relative_path TEXT NOT NULL,
            digest TEXT NOT NULL REFERENCES content (digest),
            read_only INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            gid INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            mtime_offset_s INTEGER NOT NULL,
            typeflag INTEGER NOT NULL,
            removed INTEGER NOT NULL,
            PRIMARY KEY (list_id, relative_path)
        ) WITHOUT ROWID;
        ALTER TABLE leased_content RENAME TO leased_digests;
        CREATE TABLE leased_content (
            id INTEGER PRIMARY KEY,
            lease_id INTEGER NOT NULL REFERENCES leases (id) ON DELETE CASCADE,
            digests BLOB NOT NULL
        );
        CREATE INDEX leased_content_by_lease ON leased_content (lease_id);

        """;

    /// <summary>Schema 4, once its rows are converted: the new tables take the old ones' names.</summary>
    private const string SharedListSwap = """
        DROP TABLE files;
        ALTER TABLE listed_files RENAME TO files;
        CREATE INDEX files_by_digest ON files (digest);
        DROP TABLE leased_digests;

        """;
}
