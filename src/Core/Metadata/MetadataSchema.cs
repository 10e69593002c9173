using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// The metadata database's schema and its migrations. PRAGMA user_version names the schema a database has; opening
/// one brings it to <see cref="Version"/> step by step in one transaction, so a migration interrupted at any point
/// leaves the old schema whole.
/// </summary>
internal static class MetadataSchema
{
    public const int Version = 7;

    /// <summary>Brings the database <paramref name="connection"/> is open on (at <paramref name="path"/>, for messages) to
    /// <see cref="Version"/>, in one transaction; a database of a newer version is UNSUPPORTED.</summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        long current = (long)version.ExecuteScalar()!;
        if (current == Version)
        {
            return;
        }

        if (current > Version)
        {
            throw new SnapshotterException(
                ErrorCode.Unsupported,
                $"metadata database '{path}' has schema version {current}; this library supports up to {Version}");
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

        if (current < 5)
        {
            MetadataDatabase.Run(connection, LifecycleSchema);
        }

        if (current < 6)
        {
            MetadataDatabase.Run(connection, TreeEntrySchema);
        }

        if (current < 7)
        {
            MetadataDatabase.Run(connection, IdentityXattrsSchema);
        }

        using var setVersion = connection.CreateCommand();
        setVersion.CommandText = $"PRAGMA user_version = {Version};";
        setVersion.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>
    /// Schema 4: file lists recorded once and shared, whole or as deltas (files rows belong to a list, snapshots name
    /// theirs; see FileLists), and a lease's pinned digests stored as sets, a row per pin call instead of a
    /// row per digest. Every committed snapshot gets the whole list its rows make, identical lists recorded once; the
    /// rows of each lease's pins become one set.
    /// </summary>
    private static void MigrateToSharedLists(SqliteConnection connection)
    {
        MetadataDatabase.Run(connection, SharedListSchema);
        var committed = new List<long>();
        using (var ids = connection.CreateCommand())
        {
            ids.CommandText = $"SELECT id FROM snapshots WHERE state = {SnapshotRecords.CommittedState} ORDER BY id";
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
        // Schema 3's rows, with the columns schema 5 adds as they read for a regular file.
        using var read = new RowStatement(connection, """
            SELECT relative_path, digest, read_only, mode, uid, gid, size, mtime_ns, mtime_offset_s, typeflag, NULL, 0, 0, NULL, 0
            FROM files WHERE snapshot_id = ?1
            """);
        using var name = connection.CreateCommand();
        name.CommandText = "UPDATE snapshots SET list_id = $list WHERE id = $id";
        var nameList = name.Parameters.Add("$list", SqliteType.Integer);
        var nameId = name.Parameters.Add("$id", SqliteType.Integer);
        foreach (long id in committed)
        {
            List<FileRecord> files = FileLists.ReadRows(read.Bind(1, id)).Select(r => r.File).ToList();
            byte[] key = FileListKey.Of(files);
            findKey.Value = key;
            if (find.ExecuteScalar() is not long listId)
            {
                listId = FileLists.InsertFileList(connection, key, files, FileLists.StoredBytes(connection, files), baseId: null);
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
            LeaseRecords.InsertPinSet(connection, lease.Key, lease.Select(p => p.Digest));
        }

        MetadataDatabase.Run(connection, SharedListSwap);
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

    /// <summary>Schema 7: whether a remembered file held no extended attributes at all at its identity (1), as root
    /// listed them, or is not known to (0); see <see cref="RememberedDigest"/>.</summary>
    private const string IdentityXattrsSchema = """
        ALTER TABLE file_identities ADD COLUMN without_xattrs INTEGER NOT NULL DEFAULT 0;

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

    /// <summary>
    /// Schema 5: containerd's snapshot lifecycle (see <see cref="LifecycleRecords"/>). A lifecycle snapshot's id names
    /// its directory, so ids are never reused (AUTOINCREMENT): a directory a crash left behind can never be taken for a
    /// later snapshot's. A committed one names the snapshot row its files were recorded as.
    /// </summary>
    private const string LifecycleSchema = """
        CREATE TABLE lifecycle (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            kind INTEGER NOT NULL,
            parent_id INTEGER REFERENCES lifecycle (id),
            created_ns INTEGER NOT NULL,
            updated_ns INTEGER NOT NULL,
            snapshot_id INTEGER REFERENCES snapshots (id)
        );
        CREATE INDEX lifecycle_by_parent ON lifecycle (parent_id);
        CREATE INDEX lifecycle_by_snapshot ON lifecycle (snapshot_id);
        CREATE TABLE lifecycle_labels (
            lifecycle_id INTEGER NOT NULL REFERENCES lifecycle (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (lifecycle_id, name)
        ) WITHOUT ROWID;

        """;

    /// <summary>
    /// Schema 6: entries of every type (see <see cref="EntryType"/>). The digest may be NULL (directories, symlinks,
    /// devices and FIFOs have no content), which SQLite cannot change in place: the table is copied into its new shape.
    /// Added: the link target (text, as its bytes: a name need not be UTF-8, and relative_path holds such names the same
    /// way), device numbers, and the extended attributes encoded by <see cref="ExtendedAttributes.Encode"/>.
    /// </summary>
    private const string TreeEntrySchema = """
        CREATE TABLE tree_files (
            list_id INTEGER NOT NULL REFERENCES file_lists (id) ON DELETE CASCADE,
            relative_path TEXT NOT NULL,
            digest TEXT REFERENCES content (digest),
            read_only INTEGER NOT NULL,
            mode INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            gid INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            mtime_offset_s INTEGER NOT NULL,
            typeflag INTEGER NOT NULL,
            link_target TEXT,
            dev_major INTEGER NOT NULL,
            dev_minor INTEGER NOT NULL,
            xattrs BLOB,
            removed INTEGER NOT NULL,
            PRIMARY KEY (list_id, relative_path)
        ) WITHOUT ROWID;
        INSERT INTO tree_files (list_id, relative_path, digest, read_only, mode, uid, gid, size, mtime_ns, mtime_offset_s, typeflag,
                                link_target, dev_major, dev_minor, xattrs, removed)
            SELECT list_id, relative_path, digest, read_only, mode, uid, gid, size, mtime_ns, mtime_offset_s, typeflag, NULL, 0, 0, NULL, removed
            FROM files;
        DROP TABLE files;
        ALTER TABLE tree_files RENAME TO files;
        CREATE INDEX files_by_digest ON files (digest);

        """;

    /// <summary>Schema 4, once its rows are converted: the new tables take the old ones' names.</summary>
    private const string SharedListSwap = """
        DROP TABLE files;
        ALTER TABLE listed_files RENAME TO files;
        CREATE INDEX files_by_digest ON files (digest);
        DROP TABLE leased_digests;

        """;
}
