using Microsoft.Data.Sqlite;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// Remembered digests (<see cref="RememberedDigest"/>, consulted by snapshots before hashing a file): one row per inode, each written whole by one transaction, so
/// concurrent handles and processes only ever replace one complete fact with another. Rows are written without
/// fsync: losing them only means reading files again.
/// </summary>
internal sealed class RememberedDigests
{
    private readonly MetadataDatabase _database;

    public RememberedDigests(MetadataDatabase database) => _database = database;

    /// <summary>Between two inodes asked for, a lookup steps over at most this many rows before it seeks instead: stepping
    /// to the next row costs a fraction of a seek from the root of the table, and the inodes of one tree mostly lie
    /// close together (at 20,000 files, point lookups took 1.4-2.4 µs each).</summary>
    private const int MaxRowsSteppedOver = 16;

    /// <summary>The rows of these inodes written in boot <paramref name="boot"/>, each passed to <paramref name="found"/>
    /// with its index in <paramref name="inodes"/> as it is read, in one transaction; an inode without one is skipped. Rows
    /// whose digest does not parse are left out. Nothing is held per inode asked for but its key: an array of the rows was
    /// 9 MB at 100,000 files, the peak of a snapshot of an unchanged tree.</summary>
    public void Find(string boot, IReadOnlyList<(ulong Device, ulong Inode)> inodes, Action<int, RememberedDigest> found)
    {
        // In the table's order (devices and inodes as the signed integers it stores): one cursor walks each device's rows
        // forward, seeking only across gaps.
        var keys = new (long Device, long Inode)[inodes.Count];
        int[] order = new int[inodes.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = (unchecked((long)inodes[i].Device), unchecked((long)inodes[i].Inode));
            order[i] = i;
        }

        Array.Sort(keys, order);
        using var connection = _database.Connect(durable: false);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var scan = new RowStatement(connection, """
            SELECT inode, size, mtime_ns, ctime_ns, mode, digest, hashed_ns, used_ns, without_xattrs FROM file_identities
            WHERE device = ?1 AND inode >= ?2 AND boot = ?3 ORDER BY inode
            """);
        scan.Bind(3, boot);
        int next = 0;
        while (next < keys.Length)
        {
            long device = keys[next].Device;
            bool onRow = scan.Bind(1, device).Bind(2, keys[next].Inode).Read();
            long rowInode = onRow ? scan.Int64(0) : long.MaxValue;
            for (; next < keys.Length && keys[next].Device == device; next++)
            {
                long inode = keys[next].Inode;
                for (int stepped = 0; onRow && rowInode < inode && stepped < MaxRowsSteppedOver; stepped++)
                {
                    onRow = scan.Read();
                    rowInode = onRow ? scan.Int64(0) : long.MaxValue;
                }

                if (onRow && rowInode < inode)
                {
                    scan.Reset();
                    onRow = scan.Bind(2, inode).Read();
                    rowInode = onRow ? scan.Int64(0) : long.MaxValue;
                }

                if (onRow && rowInode == inode && Digest.TryParseUtf8(scan.Text(5), out Digest digest))
                {
                    var identity = new FileIdentity(unchecked((ulong)device), unchecked((ulong)inode), scan.Int64(1), scan.Int64(2), scan.Int64(3), (uint)scan.Int64(4));
                    found(order[next], new RememberedDigest(identity, digest, scan.Int64(6), scan.Int64(7), scan.Int64(8) != 0));
                }
            }

            if (onRow)
            {
                scan.Reset();
            }
        }
    }

    /// <summary>
    /// Records <paramref name="learned"/> in boot <paramref name="boot"/> (replacing what an inode had), refreshes the use time of the
    /// <paramref name="used"/> rows still holding those identities, marks the <paramref name="withoutXattrs"/> rows still
    /// holding theirs as files without extended attributes, and, when the table has grown beyond
    /// <paramref name="maxEntries"/>, drops the least recently used rows down to nine tenths of it.
    /// </summary>
    public void Save(string boot, IReadOnlyCollection<RememberedDigest> learned, IReadOnlyCollection<FileIdentity> used, IReadOnlyCollection<FileIdentity> withoutXattrs, long nowNs, int maxEntries)
    {
        using var connection = _database.Connect(durable: false);
        using var transaction = connection.BeginTransaction();
        using (var upsert = new RowStatement(connection, """
            INSERT INTO file_identities (device, inode, size, mtime_ns, ctime_ns, mode, digest, boot, hashed_ns, used_ns, without_xattrs)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            ON CONFLICT (device, inode) DO UPDATE SET
                size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, mode = excluded.mode,
                digest = excluded.digest, boot = excluded.boot, hashed_ns = excluded.hashed_ns, used_ns = excluded.used_ns,
                without_xattrs = excluded.without_xattrs
            """))
        {
            upsert.Bind(8, boot);
            foreach (RememberedDigest entry in learned)
            {
                BindIdentity(upsert, entry.Identity).Bind(7, entry.Digest).Bind(9, entry.HashedNs).Bind(10, entry.UsedNs)
                    .Bind(11, entry.WithoutXattrs ? 1 : 0).Execute();
            }
        }

        UpdateRows(connection, "used_ns = max(used_ns, ?7)", nowNs, boot, used);
        UpdateRows(connection, "without_xattrs = ?7", 1, boot, withoutXattrs);

        if (learned.Count > 0)
        {
            EvictLeastRecentlyUsed(connection, maxEntries);
        }

        transaction.Commit();
    }

    /// <summary>Sets <paramref name="assignment"/> (with <paramref name="value"/> as ?7) on the rows of boot <paramref name="boot"/>
    /// still holding the <paramref name="identities"/>.</summary>
    private static void UpdateRows(SqliteConnection connection, string assignment, long value, string boot, IReadOnlyCollection<FileIdentity> identities)
    {
        if (identities.Count == 0)
        {
            return;
        }

        using var update = new RowStatement(connection, $"""
            UPDATE file_identities SET {assignment}
            WHERE device = ?1 AND inode = ?2 AND size = ?3 AND mtime_ns = ?4 AND ctime_ns = ?5 AND mode = ?6 AND boot = ?8
            """);
        update.Bind(7, value).Bind(8, boot);
        foreach (FileIdentity identity in identities)
        {
            BindIdentity(update, identity).Execute();
        }
    }

    private static void EvictLeastRecentlyUsed(SqliteConnection connection, int maxEntries)
    {
        long entries = Count(connection);
        if (entries <= maxEntries)
        {
            return;
        }

        using var evict = connection.CreateCommand();
        evict.CommandText = """
            DELETE FROM file_identities WHERE (device, inode) IN
                (SELECT device, inode FROM file_identities ORDER BY used_ns LIMIT $excess)
            """;
        evict.Parameters.AddWithValue("$excess", entries - (maxEntries - (maxEntries / 10)));
        evict.ExecuteNonQuery();
    }

    /// <summary>How many digests are remembered.</summary>
    public long Count()
    {
        using var connection = _database.Connect(durable: false);
        return Count(connection);
    }

    private static long Count(SqliteConnection connection)
    {
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM file_identities";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Forgets every remembered digest (a repair: whatever the store held before is no longer taken on trust).
    /// Returns how many there were.</summary>
    public int ForgetAll()
    {
        using var connection = _database.Connect();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM file_identities";
        return delete.ExecuteNonQuery();
    }

    /// <summary>Inside a deletion's transaction: forgets the files remembered as holding content being deleted.</summary>
    internal static void ForgetHolding(SqliteConnection connection, string digest)
    {
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM file_identities WHERE digest = $digest";
        delete.Parameters.AddWithValue("$digest", digest);
        delete.ExecuteNonQuery();
    }

    /// <summary>Binds an identity as parameters ?1 to ?6 (device, inode, size, mtime, ctime, mode) of a statement over
    /// file identities. Devices and inodes go in as signed 64-bit integers, their bits unchanged.</summary>
    private static RowStatement BindIdentity(RowStatement statement, in FileIdentity identity) => statement
        .Bind(1, unchecked((long)identity.Device))
        .Bind(2, unchecked((long)identity.Inode))
        .Bind(3, identity.Size)
        .Bind(4, identity.ModificationTimeNs)
        .Bind(5, identity.ChangeTimeNs)
        .Bind(6, identity.Mode);
}
