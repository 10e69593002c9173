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

    /// <summary>A whole list another is to be recorded as a delta over, with that delta's rows; <see cref="Key"/> tells it from a list recorded
    /// later under a reused id.</summary>
    internal sealed record ListBase(long Id, byte[] Key, List<ListRow> Delta);

    /// <summary>A row of a delta: a file, or a base file it lacks.</summary>
    internal readonly record struct ListRow(FileRecord File, bool Removed);

    public List<FileRecord> GetFiles(long snapshotId) => EnumerateFiles(snapshotId).ToList();

    /// <summary>The files of a snapshot, whole list or delta, by path, read as they are enumerated, in one read transaction
    /// that lasts until the enumeration ends: a caller writing them out (a recovery record) holds one at a time, not
    /// every file of the snapshot. A delta is merged with its base as both are read in path order: one pass over each
    /// list's rows, where a query looking each base row up among the delta's took three times as long.</summary>
    public IEnumerable<FileRecord> EnumerateFiles(long snapshotId)
    {
        using var connection = _database.Connect();
        using var transaction = connection.BeginTransaction(deferred: true);
        long listId;
        long? baseId;
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT l.id, l.base_id FROM snapshots s JOIN file_lists l ON l.id = s.list_id WHERE s.id = $id";
            list.Parameters.AddWithValue("$id", snapshotId);
            using var reader = list.ExecuteReader();
            if (!reader.Read())
            {
                yield break;
            }

            (listId, baseId) = (reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1));
        }

        using var own = ListRowsStatement(connection, listId);
        if (baseId is not { } baseList)
        {
            foreach (ListRow row in EnumerateRows(own))
            {
                yield return row.File;
            }

            yield break;
        }

        using var baseRows = ListRowsStatement(connection, baseList);
        foreach (FileRecord file in Apply(EnumerateRows(baseRows).Select(r => r.File), EnumerateRows(own)))
        {
            yield return file;
        }
    }

    /// <summary>Selects a list's rows as stored (a delta's own rows only), with their removal marks, in the order of their
    /// paths' bytes (SQLite's BINARY collation of the path as stored, which is <see cref="PathOrder"/>).</summary>
    private static RowStatement ListRowsStatement(SqliteConnection connection, long listId) =>
        new RowStatement(connection, $"SELECT {FileColumns}, removed FROM files WHERE list_id = ?1 ORDER BY relative_path").Bind(1, listId);

    /// <summary>The rows of a list as stored (a delta's own rows only), with their removal marks, by path.</summary>
    private static List<ListRow> ReadListRows(SqliteConnection connection, long listId)
    {
        using RowStatement query = ListRowsStatement(connection, listId);
        return ReadRows(query);
    }

    /// <summary>The rows recording <paramref name="files"/> as a whole list.</summary>
    private static List<ListRow> WholeRows(IReadOnlyCollection<FileRecord> files)
    {
        var rows = new List<ListRow>(files.Count);
        rows.AddRange(files.Select(f => new ListRow(f, Removed: false)));
        return rows;
    }

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

    /// <summary>
    /// Read before the commit's write transaction (lists never change once recorded, so the commit only checks that
    /// this one still exists): the whole list <paramref name="name"/>'s latest committed version records or is a
    /// delta over, when it is big enough to be a base, with the rows that record <paramref name="files"/> over it.
    /// Null otherwise, when those rows would be more than <see cref="DeltaShare"/> allows, and when a list with
    /// <paramref name="files"/>' key is recorded already: the commit will most likely share it.
    /// </summary>
    internal ListBase? ReadDeltaBase(string name, SortedFileList files) => ReadDeltaBase(files, "s.name = $name", "$name", name);

    /// <summary>As <see cref="ReadDeltaBase(string, SortedFileList)"/>, over the list of the snapshot
    /// <paramref name="snapshotId"/> (a lifecycle commit's parent), whatever its name.</summary>
    internal ListBase? ReadDeltaBaseOf(long snapshotId, SortedFileList files) => ReadDeltaBase(files, "s.id = $id", "$id", snapshotId);

    private ListBase? ReadDeltaBase(SortedFileList files, string snapshotCondition, string parameter, object value)
    {
        using var connection = _database.Connect(durable: false);
        using var transaction = connection.BeginTransaction(deferred: true);
        using (var recorded = connection.CreateCommand())
        {
            recorded.CommandText = "SELECT 1 FROM file_lists WHERE key = $key";
            recorded.Parameters.AddWithValue("$key", files.Key);
            if (recorded.ExecuteScalar() is not null)
            {
                return null;
            }
        }

        using var find = connection.CreateCommand();
        find.CommandText = $"""
            SELECT b.id, b.key, b.files FROM snapshots s
            JOIN file_lists l ON l.id = s.list_id
            JOIN file_lists b ON b.id = coalesce(l.base_id, l.id)
            WHERE {snapshotCondition} AND s.state = $committed
            ORDER BY s.created_ns DESC, s.id DESC LIMIT 1
            """;
        find.Parameters.AddWithValue(parameter, value);
        find.Parameters.AddWithValue("$committed", SnapshotRecords.CommittedState);
        long id;
        byte[] baseKey;
        long baseCount;
        using (var reader = find.ExecuteReader())
        {
            if (!reader.Read() || reader.GetInt64(2) < MinDeltaBaseFiles)
            {
                return null;
            }

            (id, baseKey, baseCount) = (reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt64(2));
        }

        // The base is read a row at a time, in step with the files: holding it whole (a dictionary by path) was some
        // 25 MB at 100,000 files, more than the rest of a snapshot's commit.
        using RowStatement baseRows = ListRowsStatement(connection, id);
        return Delta(EnumerateRows(baseRows).Select(r => r.File), baseCount, files) is { } delta ? new ListBase(id, baseKey, delta) : null;
    }

    /// <summary>The rows of <paramref name="files"/> as a delta over <paramref name="baseFiles"/> (<paramref name="baseCount"/>
    /// files), both in <see cref="PathOrder"/>, or null as soon as they would be more than <see cref="DeltaShare"/> allows
    /// (the list is then recorded whole).</summary>
    private static List<ListRow>? Delta(IEnumerable<FileRecord> baseFiles, long baseCount, IEnumerable<FileRecord> files)
    {
        long limit = baseCount / DeltaShare;
        var rows = new List<ListRow>();
        foreach ((FileRecord? old, ListRow? now) in MergeByPath(baseFiles, files.Select(f => new ListRow(f, Removed: false))))
        {
            if (now is not { File: var file })
            {
                rows.Add(new ListRow(old!, Removed: true));
            }
            else if (file != old)
            {
                rows.Add(new ListRow(file, Removed: false));
            }

            if (rows.Count > limit)
            {
                return null;
            }
        }

        return rows;
    }

    /// <summary>
    /// The id of the recorded list with <paramref name="key"/>, recorded now (with its content records) when there is
    /// none, inside the caller's write transaction. A list already recorded belongs to a committed snapshot, so its
    /// content cannot be released before this transaction ends, and is not checked again; the same holds for the files
    /// a delta takes from its base (a base has a snapshot of its own). What is new is checked with
    /// <paramref name="isContentPresent"/> first: the missing digests are returned and nothing is recorded.
    /// </summary>
    internal static (long ListId, IReadOnlyList<Digest> Missing) Record(
        SqliteConnection connection,
        byte[] key,
        IReadOnlyList<FileRecord> files,
        IReadOnlyCollection<ContentRecord> contents,
        ListBase? deltaBase,
        long nowNs,
        Func<Digest, bool>? isContentPresent)
    {
        using (var find = connection.CreateCommand())
        {
            find.CommandText = "SELECT id FROM file_lists WHERE key = $key";
            find.Parameters.AddWithValue("$key", key);
            if (find.ExecuteScalar() is long existing)
            {
                return (existing, []);
            }
        }

        List<ListRow>? delta = deltaBase is null || !IsWholeList(connection, deltaBase) ? null : deltaBase.Delta;

        // A whole list's rows are read from the files as they are written, in the order of their digests, and not held:
        // the files may be records made on demand (see SortedFileList). Every set over them is a sorted array of digest
        // values, not a hash set: at 100,000 files each set was a few megabytes more at the commit, a snapshot's peak.
        int[] byDigest = delta is null ? OrderByDigest(files) : [];
        ulong[] listed = DistinctDigests(files);
        ulong[] added = delta is null ? listed : DistinctDigests(delta.Where(r => !r.Removed).Select(r => r.File));
        if (isContentPresent is not null)
        {
            List<Digest> missing = added.Select(v => new Digest(v)).Where(d => !isContentPresent(d)).ToList();
            if (missing.Count > 0)
            {
                return (0, missing);
            }
        }

        ContentRecord[] contentByDigest = ByDigest(delta is null ? contents : contents.Where(c => Array.BinarySearch(added, c.Digest.Value) >= 0).ToList());
        InsertContent(connection, contentByDigest, nowNs);
        long listId = InsertFileList(connection, key, files, StoredBytes(connection, listed, contentByDigest), delta is null ? null : deltaBase!.Id);
        if (delta is null)
        {
            InsertRows(connection, listId, byDigest.Select(i => new ListRow(files[i], Removed: false)));
        }
        else
        {
            SortByDigest(delta);
            InsertRows(connection, listId, delta);
        }

        return (listId, []);
    }

    /// <summary>The content records in the order of their digests: the caller's array when it comes so (a snapshot's do),
    /// else a sorted copy.</summary>
    private static ContentRecord[] ByDigest(IReadOnlyCollection<ContentRecord> contents)
    {
        if (contents is ContentRecord[] array && IsByDigest(array))
        {
            return array;
        }

        ContentRecord[] sorted = [.. contents];
        Array.Sort(sorted, ContentRecord.ByDigest);
        return sorted;
    }

    private static bool IsByDigest(ContentRecord[] contents)
    {
        for (int i = 1; i < contents.Length; i++)
        {
            if (contents[i - 1].Digest.Value > contents[i].Digest.Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The files' indices in the order of their digests (none first).</summary>
    private static int[] OrderByDigest(IReadOnlyList<FileRecord> files)
    {
        ulong[] digests = new ulong[files.Count];
        int[] order = new int[files.Count];
        for (int i = 0; i < digests.Length; i++)
        {
            digests[i] = files[i].Digest?.Value ?? 0;
            order[i] = i;
        }

        Array.Sort(digests, order);
        return order;
    }

    /// <summary>The distinct digests of the files with content, ascending.</summary>
    private static ulong[] DistinctDigests(IEnumerable<FileRecord> files)
    {
        ulong[] values = files.Where(f => f.HasContent).Select(f => f.ContentDigest.Value).ToArray();
        Array.Sort(values);
        int distinct = 0;
        foreach (ulong value in values)
        {
            if (distinct == 0 || value != values[distinct - 1])
            {
                values[distinct++] = value;
            }
        }

        return values[..distinct];
    }

    /// <summary>Whether the base read before the transaction is still recorded, whole, as that list.</summary>
    private static bool IsWholeList(SqliteConnection connection, ListBase candidate)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT 1 FROM file_lists WHERE id = $id AND key = $key AND base_id IS NULL";
        check.Parameters.AddWithValue("$id", candidate.Id);
        check.Parameters.AddWithValue("$key", candidate.Key);
        return check.ExecuteScalar() is not null;
    }

    /// <summary>Records a list with what summaries show of it: its file count, their logical bytes and the stored bytes of
    /// its distinct content (fixed by the list, since a digest's encoding is).</summary>
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

    /// <summary>The encoded sizes of the distinct digests of <paramref name="files"/>, from the content records (inside the
    /// caller's transaction).</summary>
    internal static long StoredBytes(SqliteConnection connection, IReadOnlyCollection<FileRecord> files) =>
        StoredBytes(connection, DistinctDigests(files), []);

    /// <summary>The encoded sizes of <paramref name="digests"/> (distinct, ascending): from <paramref name="contents"/>
    /// (ascending by digest), and from the content records (inside the caller's transaction) for digests it does not
    /// cover.</summary>
    private static long StoredBytes(SqliteConnection connection, ulong[] digests, ContentRecord[] contents)
    {
        long total = 0;
        using var recorded = new RowStatement(connection, "SELECT encoded_size FROM content WHERE digest = ?1");
        int next = 0;
        foreach (ulong digest in digests)
        {
            while (next < contents.Length && contents[next].Digest.Value < digest)
            {
                next++;
            }

            if (next < contents.Length && contents[next].Digest.Value == digest)
            {
                total += contents[next].EncodedSize;
            }
            else if (recorded.Bind(1, new Digest(digest)).Read())
            {
                total += recorded.Int64(0);
                recorded.Reset();
            }
        }

        return total;
    }

    // Rows go in by digest: the content table, the files' digest index and their foreign key lookups are then walked in
    // order, not at random (fewer pages read and written per row).
    private static void InsertContent(SqliteConnection connection, ContentRecord[] byDigest, long nowNs)
    {
        using var insert = new RowStatement(connection, """
            INSERT INTO content (digest, size, encoded_size, created_ns) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (digest) DO NOTHING
            """);
        insert.Bind(4, nowNs);
        foreach (ContentRecord content in byDigest)
        {
            insert.Bind(1, content.Digest).Bind(2, content.Size).Bind(3, content.EncodedSize).Execute();
        }
    }

    /// <summary>Sorts rows by digest, in place, the order <see cref="InsertRows"/> writes them in; rows of one digest (or
    /// of none) by path, so that the order is the same every time.</summary>
    private static void SortByDigest(List<ListRow> rows) =>
        rows.Sort(static (a, b) => (a.File.Digest?.Value ?? 0).CompareTo(b.File.Digest?.Value ?? 0) is var byDigest && byDigest != 0
            ? byDigest
            : string.CompareOrdinal(a.File.RelativePath, b.File.RelativePath));

    /// <summary>Writes <paramref name="rows"/>, which come in the order of their digests.</summary>
    private static void InsertRows(SqliteConnection connection, long listId, IEnumerable<ListRow> rows)
    {
        using var insert = new RowStatement(connection, $"""
            INSERT INTO files (list_id, {FileColumns}, removed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
            """);
        insert.Bind(1, listId);
        foreach ((FileRecord file, bool removed) in rows)
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

            insert.Bind(2, file.RelativePath).Bind(4, file.ReadOnly ? 1 : 0).Bind(5, file.Mode).Bind(6, file.Uid)
                .Bind(7, file.Gid).Bind(8, file.Size).Bind(9, file.ModificationTimeNs).Bind(10, file.ModificationTimeOffsetSeconds)
                .Bind(11, (int)file.Type).Bind(13, file.DeviceMajor).Bind(14, file.DeviceMinor).Bind(16, removed ? 1 : 0).Execute();
        }
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

        List<FileRecord> baseFiles = [.. ReadListRows(connection, baseId).Select(r => r.File)];
        List<FileRecord> newBase = [.. Apply(baseFiles, ReadListRows(connection, deltas[0]))];
        Rewrite(connection, deltas[0], WholeRows(newBase), newBaseId: null);
        foreach (long delta in deltas.Skip(1))
        {
            List<FileRecord> files = [.. Apply(baseFiles, ReadListRows(connection, delta))];
            List<ListRow>? rows = Delta(newBase, newBase.Count, files);
            Rewrite(connection, delta, rows ?? WholeRows(files), rows is null ? null : deltas[0]);
        }
    }

    /// <summary>The files of a delta: its base's, with the delta's rows applied, both read in <see cref="PathOrder"/>, and
    /// in that order.</summary>
    private static IEnumerable<FileRecord> Apply(IEnumerable<FileRecord> baseFiles, IEnumerable<ListRow> delta)
    {
        foreach ((FileRecord? old, ListRow? row) in MergeByPath(baseFiles, delta))
        {
            if (row is not { } applied)
            {
                yield return old!;
            }
            else if (!applied.Removed)
            {
                yield return applied.File;
            }
        }
    }

    /// <summary>Two sequences in <see cref="PathOrder"/> walked together: each path once, with the file
    /// <paramref name="olds"/> has there and the row <paramref name="news"/> has there (null where one has none).</summary>
    private static IEnumerable<(FileRecord? Old, ListRow? New)> MergeByPath(IEnumerable<FileRecord> olds, IEnumerable<ListRow> news)
    {
        using IEnumerator<ListRow> next = news.GetEnumerator();
        ListRow? pending = next.MoveNext() ? next.Current : null;
        foreach (FileRecord old in olds)
        {
            int order = -1;
            while (pending is { } before && (order = PathOrder.Instance.Compare(before.File.RelativePath, old.RelativePath)) < 0)
            {
                yield return (null, before);
                pending = next.MoveNext() ? next.Current : null;
            }

            if (pending is { } same && order == 0)
            {
                yield return (old, same);
                pending = next.MoveNext() ? next.Current : null;
            }
            else
            {
                yield return (old, null);
            }
        }

        for (; pending is { } after; pending = next.MoveNext() ? next.Current : null)
        {
            yield return (null, after);
        }
    }

    private static void Rewrite(SqliteConnection connection, long listId, List<ListRow> rows, long? newBaseId)
    {
        using (var clear = connection.CreateCommand())
        {
            clear.CommandText = "DELETE FROM files WHERE list_id = $id; UPDATE file_lists SET base_id = $base WHERE id = $id";
            clear.Parameters.AddWithValue("$id", listId);
            clear.Parameters.AddWithValue("$base", (object?)newBaseId ?? DBNull.Value);
            clear.ExecuteNonQuery();
        }

        SortByDigest(rows);
        InsertRows(connection, listId, rows);
    }
}
