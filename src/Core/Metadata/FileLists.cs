using System.Text;
using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// File lists: the files of a snapshot, recorded once and shared by every snapshot with the same files (found by their
/// <see cref="FileListKey"/>). A list is whole (a row per file) or a delta over a whole base list: rows for the files
/// that differ from the base or are not in it, and a removal row (the base's row, marked removed) for each base file
/// it lacks. A new version of a name is recorded as a delta over the list of that name's latest version (or that
/// list's base) when the difference is at most a quarter of the base, so a version that changed 1 % of a tree
/// costs rows for that 1 %.
///
/// The invariant that keeps content references simple: a base list always has a snapshot of its own. Every row then
/// references content some snapshot uses (a delta's removal rows and the base rows it overrides are the base
/// snapshot's files), so "referenced" stays "some files row names the digest", as the collector reads it. When the
/// last snapshot of a base goes, its deltas are rebased first: the newest becomes whole and the others deltas over it
/// (or whole, when they drifted too far from it), all in the deleting transaction.
/// </summary>
internal sealed class FileLists
{
    /// <summary>A delta holds at most 1/DeltaShare of its base's file count in rows.</summary>
    private const int DeltaShare = 4;

    /// <summary>Bases smaller than this are not worth a delta: such lists are recorded whole.</summary>
    private const int MinDeltaBaseFiles = 64;

    internal const string FileColumns = "relative_path, digest, read_only, mode, uid, gid, size, mtime_ns, mtime_offset_s, typeflag, link_target, dev_major, dev_minor, xattrs";

    private readonly MetadataDatabase _database;

    public FileLists(MetadataDatabase database) => _database = database;

    /// <summary>A row of a delta: a file, or a base file it lacks.</summary>
    internal readonly record struct ListRow(FileRecord File, bool Removed);

    public List<FileRecord> GetFiles(long snapshotId) => EnumerateFiles(snapshotId).ToList();

    /// <summary>The files of a snapshot, whole list or delta, by path, read as they are enumerated, in one read transaction
    /// that lasts until the enumeration ends: a caller writing them out (a recovery record) holds one at a time, not
    /// every file of the snapshot.</summary>
    public IEnumerable<FileRecord> EnumerateFiles(long snapshotId)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        using var list = connection.CreateCommand();
        list.CommandText = "SELECT list_id FROM snapshots WHERE id = $id";
        list.Parameters.AddWithValue("$id", snapshotId);
        if (list.ExecuteScalar() is not long listId)
        {
            yield break;
        }

        using var query = new RowStatement(connection, $"""
            SELECT {FileColumns}, 0 FROM files WHERE list_id = ?1 AND removed = 0
            UNION ALL
            SELECT {FileColumns}, 0 FROM files b WHERE b.list_id = (SELECT base_id FROM file_lists WHERE id = ?1)
                AND NOT EXISTS (SELECT 1 FROM files o WHERE o.list_id = ?1 AND o.relative_path = b.relative_path)
            ORDER BY relative_path
            """);
        foreach (ListRow row in EnumerateRows(query.Bind(1, listId)))
        {
            yield return row.File;
        }
    }

    /// <summary>The rows of a list as stored (a delta's own rows only), with their removal marks.</summary>
    private static List<ListRow> ReadListRows(SqliteConnection connection, long listId)
    {
        using var query = new RowStatement(connection, $"SELECT {FileColumns}, removed FROM files WHERE list_id = ?1 ORDER BY relative_path");
        return ReadRows(query.Bind(1, listId));
    }

    /// <summary>The files of a whole list (a base), by path.</summary>
    private static Dictionary<string, FileRecord> ReadWholeList(SqliteConnection connection, long listId) =>
        ReadListRows(connection, listId).ToDictionary(r => r.File.RelativePath, r => r.File, StringComparer.Ordinal);

    /// <summary>The rows recording <paramref name="files"/> as a whole list.</summary>
    private static List<ListRow> WholeRows(IEnumerable<FileRecord> files) => files.Select(f => new ListRow(f, Removed: false)).ToList();

    /// <summary>Reads a query selecting <see cref="FileColumns"/> and a removal mark to its end.</summary>
    internal static List<ListRow> ReadRows(RowStatement query) => EnumerateRows(query).ToList();

    /// <summary>As <see cref="ReadRows"/>, a row at a time.</summary>
    private static IEnumerable<ListRow> EnumerateRows(RowStatement query)
    {
        while (query.Read())
        {
            string path = PathEncoding.FromBytes(query.Text(0));
            Digest? digest = null;
            ExtendedAttributes? xattrs = null;
            try
            {
                if (!query.IsNull(1))
                {
                    digest = Digest.TryParseUtf8(query.Text(1), out Digest parsed)
                        ? parsed
                        : throw new FormatException($"a malformed digest '{Encoding.UTF8.GetString(query.Text(1))}'");
                }

                xattrs = query.IsNull(13) ? null : ExtendedAttributes.Decode(query.Blob(13));
            }
            catch (FormatException e)
            {
                query.Reset();
                throw SnapshotterException.Corrupt($"metadata names {e.Message} for '{PathEncoding.Printable(path)}'");
            }

            yield return new ListRow(
                new FileRecord(
                    RelativePath: path,
                    Digest: digest,
                    ReadOnly: query.Int64(2) != 0,
                    Mode: (uint)query.Int64(3),
                    Uid: (uint)query.Int64(4),
                    Gid: (uint)query.Int64(5),
                    Size: query.Int64(6),
                    ModificationTimeNs: query.Int64(7),
                    ModificationTimeOffsetSeconds: (int)query.Int64(8),
                    Type: (EntryType)query.Int64(9),
                    LinkTarget: query.IsNull(10) ? null : PathEncoding.FromBytes(query.Text(10)),
                    DeviceMajor: (uint)query.Int64(11),
                    DeviceMinor: (uint)query.Int64(12),
                    Xattrs: xattrs),
                query.Int64(14) != 0);
        }
    }

    /// <summary>The rows of <paramref name="files"/> as a delta over <paramref name="baseFiles"/>, or null when they would be
    /// more than <see cref="DeltaShare"/> allows (the list is then recorded whole).</summary>
    private static List<ListRow>? Delta(Dictionary<string, FileRecord> baseFiles, IReadOnlyCollection<FileRecord> files)
    {
        int limit = baseFiles.Count / DeltaShare;
        var rows = new List<ListRow>();
        int inBase = 0;
        foreach (FileRecord file in files)
        {
            if (baseFiles.TryGetValue(file.RelativePath, out FileRecord? old))
            {
                inBase++;
                if (old == file)
                {
                    continue;
                }
            }

            rows.Add(new ListRow(file, Removed: false));
            if (rows.Count > limit)
            {
                return null;
            }
        }

        if (inBase < baseFiles.Count)
        {
            var present = files.Select(f => f.RelativePath).ToHashSet(StringComparer.Ordinal);
            foreach (FileRecord old in baseFiles.Values.Where(f => !present.Contains(f.RelativePath)))
            {
                rows.Add(new ListRow(old, Removed: true));
                if (rows.Count > limit)
                {
                    return null;
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Stages <paramref name="files"/> and <paramref name="contents"/> (the first record of a digest kept) for the pending
    /// snapshot <paramref name="snapshotId"/>, inside the caller's write transaction. A path staged already is refused
    /// (a list names a path once), or its file replaced with <paramref name="replace"/> (a file stored again). Staged rows
    /// are the pending snapshot's: they go with its row, and <see cref="RecordStaged"/> turns them into its list.
    /// </summary>
    internal static void Stage(SqliteConnection connection, long snapshotId, IEnumerable<FileRecord> files, IEnumerable<ContentRecord> contents, bool replace = false)
    {
        using (var insert = new RowStatement(connection, $"""
            INSERT {(replace ? "OR REPLACE " : "")}INTO staged_files (snapshot_id, {FileColumns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
            """))
        {
            insert.Bind(1, snapshotId);
            foreach (FileRecord file in files)
            {
                BindFile(insert, file).Execute();
            }
        }

        using var content = new RowStatement(connection, """
            INSERT INTO staged_content (snapshot_id, digest, size, encoded_size) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING
            """);
        content.Bind(1, snapshotId);
        foreach (ContentRecord record in contents)
        {
            content.Bind(2, record.Digest).Bind(3, record.Size).Bind(4, record.EncodedSize).Execute();
        }
    }

    /// <summary>Drops the files staged for <paramref name="snapshotId"/> (not its content records), inside the caller's
    /// write transaction.</summary>
    internal static void ClearStagedFiles(SqliteConnection connection, long snapshotId) =>
        Run(connection, "DELETE FROM staged_files WHERE snapshot_id = ?1", snapshotId);

    /// <summary>The files staged for <paramref name="snapshotId"/>, by path.</summary>
    internal static List<FileRecord> ReadStaged(SqliteConnection connection, long snapshotId)
    {
        using var query = new RowStatement(connection, $"SELECT {FileColumns}, 0 FROM staged_files WHERE snapshot_id = ?1 ORDER BY relative_path");
        return EnumerateRows(query.Bind(1, snapshotId)).Select(r => r.File).ToList();
    }

    /// <summary>The paths of the regular files staged for <paramref name="snapshotId"/> with one of <paramref name="digests"/>.</summary>
    internal static HashSet<string> StagedPathsOf(SqliteConnection connection, long snapshotId, IEnumerable<Digest> digests)
    {
        using var query = new RowStatement(connection, "SELECT relative_path FROM staged_files WHERE snapshot_id = ?1 AND digest = ?2 AND typeflag = ?3");
        query.Bind(1, snapshotId).Bind(3, (long)EntryType.Regular);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (Digest digest in digests)
        {
            query.Bind(2, digest);
            while (query.Read())
            {
                paths.Add(PathEncoding.FromBytes(query.Text(0)));
            }
        }

        return paths;
    }

    /// <summary>Where a staged list looks for the whole list to be recorded as a delta over (see
    /// <see cref="RecordStaged"/>): a condition on the committed snapshots <c>s</c>, with its one parameter ?1.</summary>
    internal readonly record struct BaseCandidates(string SnapshotCondition, long Parameter)
    {
        /// <summary>The latest committed version of the pending snapshot's name.</summary>
        public static BaseCandidates SameNameAs(long snapshotId) => new("s.name = (SELECT name FROM snapshots WHERE id = ?1)", snapshotId);

        /// <summary>The committed snapshot <paramref name="snapshotId"/> (a lifecycle commit's parent).</summary>
        public static BaseCandidates Snapshot(long snapshotId) => new("s.id = ?1", snapshotId);
    }

    /// <summary>A staged row that is a base row as it is (?1 the pending snapshot, ?2 the base list, NULL for none): not a row of a delta.</summary>
    private const string InBaseUnchanged = """
        EXISTS (SELECT 1 FROM files b WHERE b.list_id = ?2 AND b.relative_path = s.relative_path AND b.digest IS s.digest
            AND b.read_only = s.read_only AND b.mode = s.mode AND b.uid = s.uid AND b.gid = s.gid AND b.size = s.size
            AND b.mtime_ns = s.mtime_ns AND b.mtime_offset_s = s.mtime_offset_s AND b.typeflag = s.typeflag
            AND b.link_target IS s.link_target AND b.dev_major = s.dev_major AND b.dev_minor = s.dev_minor AND b.xattrs IS s.xattrs)
        """;

    /// <summary>A base row with no staged file of its path (?1, ?2 as in <see cref="InBaseUnchanged"/>): a removal row of a delta.</summary>
    private const string NotStaged = "NOT EXISTS (SELECT 1 FROM staged_files s WHERE s.snapshot_id = ?1 AND s.relative_path = b.relative_path)";

    /// <summary>
    /// Records the files staged for <paramref name="snapshotId"/> as a list, inside the caller's write transaction, and
    /// returns its id: the list recorded already with the same <see cref="FileListKey"/> when there is one (it belongs to
    /// a committed snapshot, so its content cannot be released before this transaction ends, and is not checked again),
    /// else a new list, a delta over the whole list <paramref name="candidates"/> names when one is big enough and the
    /// delta holds at most <see cref="DeltaShare"/> of it, whole otherwise. What is new is checked with
    /// <paramref name="isContentPresent"/> first: the missing digests are returned and nothing is recorded (the files a
    /// delta takes from its base need no check: a base has a snapshot of its own). The staged rows are read in path order
    /// and by SQL, never held all at once, and dropped once recorded.
    /// </summary>
    internal static (long ListId, IReadOnlyList<Digest> Missing) RecordStaged(
        SqliteConnection connection,
        long snapshotId,
        BaseCandidates? candidates,
        long nowNs,
        Func<Digest, bool>? isContentPresent)
    {
        byte[] key = StagedKey(connection, snapshotId);
        long? listId = null;
        using (var find = connection.CreateCommand())
        {
            find.CommandText = "SELECT id FROM file_lists WHERE key = $key";
            find.Parameters.AddWithValue("$key", key);
            listId = find.ExecuteScalar() as long?;
        }

        if (listId is null)
        {
            long? baseId = candidates is { } where ? DeltaBase(connection, snapshotId, where) : null;
            if (isContentPresent is not null && MissingContent(connection, snapshotId, baseId, isContentPresent) is { Count: > 0 } missing)
            {
                return (0, missing);
            }

            listId = InsertStagedList(connection, snapshotId, key, baseId, nowNs);
        }

        Run(connection, "DELETE FROM staged_files WHERE snapshot_id = ?1", snapshotId);
        Run(connection, "DELETE FROM staged_content WHERE snapshot_id = ?1", snapshotId);
        return (listId.Value, []);
    }

    /// <summary>The key of the staged files, read a row at a time in path order.</summary>
    private static byte[] StagedKey(SqliteConnection connection, long snapshotId)
    {
        long count;
        using (var counted = new RowStatement(connection, "SELECT count(*) FROM staged_files WHERE snapshot_id = ?1"))
        {
            count = counted.Bind(1, snapshotId).Read() ? counted.Int64(0) : 0;
            counted.Reset();
        }

        using var query = new RowStatement(connection, $"SELECT {FileColumns}, 0 FROM staged_files WHERE snapshot_id = ?1 ORDER BY relative_path");
        return FileListKey.Of(count, EnumerateRows(query.Bind(1, snapshotId)).Select(r => r.File));
    }

    /// <summary>The whole list the latest snapshot <paramref name="candidates"/> names records or is a delta over, when it is
    /// big enough to be a base and the staged files differ from it by at most <see cref="DeltaShare"/> of its rows; null otherwise.</summary>
    private static long? DeltaBase(SqliteConnection connection, long snapshotId, BaseCandidates candidates)
    {
        long baseId, baseFiles;
        using (var find = new RowStatement(connection, $"""
            SELECT b.id, b.files FROM snapshots s
            JOIN file_lists l ON l.id = s.list_id
            JOIN file_lists b ON b.id = coalesce(l.base_id, l.id)
            WHERE {candidates.SnapshotCondition} AND s.state = {SnapshotRecords.CommittedState}
            ORDER BY s.created_ns DESC, s.id DESC LIMIT 1
            """))
        {
            if (!find.Bind(1, candidates.Parameter).Read() || find.Int64(1) < MinDeltaBaseFiles)
            {
                find.Reset();
                return null;
            }

            (baseId, baseFiles) = (find.Int64(0), find.Int64(1));
            find.Reset();
        }

        using var rows = new RowStatement(connection, $"""
            SELECT (SELECT count(*) FROM staged_files s WHERE s.snapshot_id = ?1 AND NOT {InBaseUnchanged})
                 + (SELECT count(*) FROM files b WHERE b.list_id = ?2 AND {NotStaged})
            """);
        long deltaRows = rows.Bind(1, snapshotId).Bind(2, baseId).Read() ? rows.Int64(0) : long.MaxValue;
        rows.Reset();
        return deltaRows <= baseFiles / DeltaShare ? baseId : null;
    }

    /// <summary>The digests of the list's own rows (a delta's, or every row of a whole list) that <paramref name="isContentPresent"/> does not find.</summary>
    private static List<Digest> MissingContent(SqliteConnection connection, long snapshotId, long? baseId, Func<Digest, bool> isContentPresent)
    {
        using var query = new RowStatement(connection, $"""
            SELECT DISTINCT s.digest FROM staged_files s WHERE s.snapshot_id = ?1 AND s.digest IS NOT NULL AND NOT {InBaseUnchanged}
            """);
        BindBase(query.Bind(1, snapshotId), baseId);
        var missing = new List<Digest>();
        while (query.Read())
        {
            Digest digest = Digest.TryParseUtf8(query.Text(0), out Digest parsed)
                ? parsed
                : throw SnapshotterException.Corrupt($"metadata names a malformed staged digest '{Encoding.UTF8.GetString(query.Text(0))}'");
            if (!isContentPresent(digest))
            {
                missing.Add(digest);
            }
        }

        return missing;
    }

    /// <summary>
    /// Records the staged files as a new list (over <paramref name="baseId"/> when not null) with what summaries show of it:
    /// its file count, their logical bytes and the stored bytes of its distinct content (fixed by the list, since a
    /// digest's encoding is), taken from the staged content records, else from the content table. Content records go
    /// in for the digests of the list's own rows. Rows go in by digest: the content table, the files' digest index and
    /// their foreign key lookups are then walked in order, not at random (fewer pages read and written per row).
    /// </summary>
    private static long InsertStagedList(SqliteConnection connection, long snapshotId, byte[] key, long? baseId, long nowNs)
    {
        using (var content = new RowStatement(connection, $"""
            INSERT INTO content (digest, size, encoded_size, created_ns)
            SELECT c.digest, c.size, c.encoded_size, ?3 FROM staged_content c
            WHERE c.snapshot_id = ?1 AND c.digest IN (SELECT s.digest FROM staged_files s WHERE s.snapshot_id = ?1 AND NOT {InBaseUnchanged})
            ORDER BY c.digest
            ON CONFLICT (digest) DO NOTHING
            """))
        {
            BindBase(content.Bind(1, snapshotId), baseId).Bind(3, nowNs).Execute();
        }

        long listId;
        using (var list = new RowStatement(connection, """
            INSERT INTO file_lists (key, files, bytes, stored_bytes, base_id)
            SELECT ?3, count(*), coalesce(sum(size), 0),
                (SELECT coalesce(sum(coalesce(
                    (SELECT c.encoded_size FROM staged_content c WHERE c.snapshot_id = ?1 AND c.digest = d.digest),
                    (SELECT c.encoded_size FROM content c WHERE c.digest = d.digest), 0)), 0)
                 FROM (SELECT DISTINCT digest FROM staged_files WHERE snapshot_id = ?1 AND digest IS NOT NULL) d),
                ?2
            FROM staged_files WHERE snapshot_id = ?1
            RETURNING id
            """))
        {
            BindBase(list.Bind(1, snapshotId), baseId).Bind(3, key);
            listId = list.Read() ? list.Int64(0) : throw new SnapshotterException(ErrorCode.Internal, "recording a file list returned no id");
            list.Reset();
        }

        using (var rows = new RowStatement(connection, $"""
            INSERT INTO files (list_id, {FileColumns}, removed)
            SELECT ?3, {Prefixed("s")}, 0 FROM staged_files s WHERE s.snapshot_id = ?1 AND NOT {InBaseUnchanged}
            ORDER BY s.digest
            """))
        {
            BindBase(rows.Bind(1, snapshotId), baseId).Bind(3, listId).Execute();
        }

        if (baseId is not null)
        {
            using var removals = new RowStatement(connection, $"""
                INSERT INTO files (list_id, {FileColumns}, removed)
                SELECT ?3, {Prefixed("b")}, 1 FROM files b WHERE b.list_id = ?2 AND {NotStaged}
                """);
            BindBase(removals.Bind(1, snapshotId), baseId).Bind(3, listId).Execute();
        }

        return listId;
    }

    /// <summary><see cref="FileColumns"/> of the table aliased <paramref name="alias"/>.</summary>
    private static string Prefixed(string alias) => string.Join(", ", FileColumns.Split(", ").Select(c => $"{alias}.{c}"));

    private static RowStatement BindBase(RowStatement statement, long? baseId) =>
        baseId is { } id ? statement.Bind(2, id) : statement.BindNull(2);

    private static void Run(SqliteConnection connection, string sql, long parameter)
    {
        using var statement = new RowStatement(connection, sql);
        statement.Bind(1, parameter).Execute();
    }

    /// <summary>Records a list with what summaries show of it: its file count, their logical bytes and the stored bytes of
    /// its distinct content.</summary>
    internal static long InsertFileList(SqliteConnection connection, byte[] key, IReadOnlyCollection<FileRecord> files, long storedBytes, long? baseId)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO file_lists (key, files, bytes, stored_bytes, base_id) VALUES ($key, $files, $bytes, $stored, $base) RETURNING id
            """;
        insert.Parameters.AddWithValue("$key", key);
        insert.Parameters.AddWithValue("$files", files.Count);
        insert.Parameters.AddWithValue("$bytes", files.Sum(f => f.Size));
        insert.Parameters.AddWithValue("$stored", storedBytes);
        insert.Parameters.AddWithValue("$base", (object?)baseId ?? DBNull.Value);
        return (long)insert.ExecuteScalar()!;
    }

    /// <summary>The encoded sizes of the distinct digests of <paramref name="files"/>, from the content records inside the
    /// caller's transaction.</summary>
    internal static long StoredBytes(SqliteConnection connection, IReadOnlyCollection<FileRecord> files)
    {
        long total = 0;
        using var recorded = new RowStatement(connection, "SELECT encoded_size FROM content WHERE digest = ?1");
        foreach (Digest digest in files.Where(f => f.HasContent).Select(f => f.ContentDigest).Distinct())
        {
            if (recorded.Bind(1, digest).Read())
            {
                total += recorded.Int64(0);
                recorded.Reset();
            }
        }

        return total;
    }

    private static void InsertRows(SqliteConnection connection, long listId, IEnumerable<ListRow> rows)
    {
        using var insert = new RowStatement(connection, $"""
            INSERT INTO files (list_id, {FileColumns}, removed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            """);
        insert.Bind(1, listId);
        foreach ((FileRecord file, bool removed) in rows.OrderBy(r => r.File.Digest?.Value ?? 0))
        {
            BindFile(insert, file).Bind(16, removed ? 1 : 0).Execute();
        }
    }

    /// <summary>Binds a file's <see cref="FileColumns"/> as parameters ?2 to ?15.</summary>
    private static RowStatement BindFile(RowStatement insert, FileRecord file)
    {
        if (file.Digest is { } digest)
        {
            insert.Bind(3, digest);
        }
        else
        {
            insert.BindNull(3);
        }

        if (file.LinkTarget is { } target)
        {
            insert.Bind(12, target);
        }
        else
        {
            insert.BindNull(12);
        }

        if (file.Xattrs is { } xattrs)
        {
            insert.Bind(15, xattrs.Encode());
        }
        else
        {
            insert.BindNull(15);
        }

        return insert.Bind(2, file.RelativePath).Bind(4, file.ReadOnly ? 1 : 0).Bind(5, file.Mode).Bind(6, file.Uid)
            .Bind(7, file.Gid).Bind(8, file.Size).Bind(9, file.ModificationTimeNs).Bind(10, file.ModificationTimeOffsetSeconds)
            .Bind(11, (int)file.Type).Bind(13, file.DeviceMajor).Bind(14, file.DeviceMinor);
    }

    /// <summary>Inside the caller's write transaction, after a snapshot row naming <paramref name="listId"/> was
    /// deleted: drops that list when no other snapshot names it, rebasing the deltas over it first.</summary>
    internal static void DropIfUnnamed(SqliteConnection connection, long listId)
    {
        if (!IsNamedBySnapshot(connection, listId))
        {
            RebaseDeltasOf(connection, listId);
            using var drop = connection.CreateCommand();
            drop.CommandText = "DELETE FROM file_lists WHERE id = $id";
            drop.Parameters.AddWithValue("$id", listId);
            drop.ExecuteNonQuery();
        }
    }

    private static bool IsNamedBySnapshot(SqliteConnection connection, long listId)
    {
        using var named = connection.CreateCommand();
        named.CommandText = "SELECT 1 FROM snapshots WHERE list_id = $id LIMIT 1";
        named.Parameters.AddWithValue("$id", listId);
        return named.ExecuteScalar() is not null;
    }

    /// <summary>
    /// Before a base list goes: its newest delta is made whole (the base's rows it does not override are added, its
    /// removal rows dropped), and every other delta is recorded again over that one, or whole when it differs from it
    /// by more than a delta may.
    /// </summary>
    private static void RebaseDeltasOf(SqliteConnection connection, long baseId)
    {
        var deltas = new List<long>();
        using (var find = connection.CreateCommand())
        {
            find.CommandText = "SELECT id FROM file_lists WHERE base_id = $id ORDER BY id DESC";
            find.Parameters.AddWithValue("$id", baseId);
            using var reader = find.ExecuteReader();
            while (reader.Read())
            {
                deltas.Add(reader.GetInt64(0));
            }
        }

        if (deltas.Count == 0)
        {
            return;
        }

        Dictionary<string, FileRecord> baseFiles = ReadWholeList(connection, baseId);
        Dictionary<string, FileRecord> newBase = Apply(baseFiles, ReadListRows(connection, deltas[0]));
        Rewrite(connection, deltas[0], WholeRows(newBase.Values), newBaseId: null);
        foreach (long delta in deltas.Skip(1))
        {
            Dictionary<string, FileRecord> files = Apply(baseFiles, ReadListRows(connection, delta));
            List<ListRow>? rows = Delta(newBase, files.Values);
            Rewrite(connection, delta, rows ?? WholeRows(files.Values), rows is null ? null : deltas[0]);
        }
    }

    /// <summary>The files of a delta: its base's, with the delta's rows applied.</summary>
    private static Dictionary<string, FileRecord> Apply(Dictionary<string, FileRecord> baseFiles, List<ListRow> delta)
    {
        var files = new Dictionary<string, FileRecord>(baseFiles, StringComparer.Ordinal);
        foreach ((FileRecord file, bool removed) in delta)
        {
            if (removed)
            {
                files.Remove(file.RelativePath);
            }
            else
            {
                files[file.RelativePath] = file;
            }
        }

        return files;
    }

    private static void Rewrite(SqliteConnection connection, long listId, IEnumerable<ListRow> rows, long? newBaseId)
    {
        using (var clear = connection.CreateCommand())
        {
            clear.CommandText = "DELETE FROM files WHERE list_id = $id; UPDATE file_lists SET base_id = $base WHERE id = $id";
            clear.Parameters.AddWithValue("$id", listId);
            clear.Parameters.AddWithValue("$base", (object?)newBaseId ?? DBNull.Value);
            clear.ExecuteNonQuery();
        }

        InsertRows(connection, listId, rows);
    }
}
