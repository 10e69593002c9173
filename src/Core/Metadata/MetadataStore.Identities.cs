using System.Globalization;
using Microsoft.Data.Sqlite;
using Snapshotter.Content;
using Snapshotter.Identity;

namespace Snapshotter.Metadata;

/// <summary>
/// Remembered digests (see <see cref="IdentityCache"/>): one row per inode, each written whole by one transaction, so
/// concurrent handles and processes only ever replace one complete fact with another. Rows are written without
/// fsync: losing them only means reading files again.
/// </summary>
internal sealed partial class MetadataStore
{
    /// <summary>The rows of these inodes written in boot <paramref name="boot"/>, read in one transaction. Rows whose digest
    /// does not parse are left out.</summary>
    public Dictionary<(ulong Device, ulong Inode), RememberedDigest> FindRememberedDigests(string boot, IEnumerable<(ulong Device, ulong Inode)> inodes)
    {
        using var connection = Connect(durable: false);
        using var transaction = connection.BeginTransaction(deferred: true);
        using var find = connection.CreateCommand();
        // One statement for every inode: a JSON array of [device, inode] pairs (integers only, nothing to escape),
        // each looked up by the primary key.
        find.CommandText = """
            SELECT f.device, f.inode, f.size, f.mtime_ns, f.ctime_ns, f.mode, f.digest, f.hashed_ns, f.used_ns
            FROM json_each($keys) AS k
            JOIN file_identities AS f ON f.device = json_extract(k.value, '$[0]') AND f.inode = json_extract(k.value, '$[1]')
            WHERE f.boot = $boot
            """;
        find.Parameters.AddWithValue("$boot", boot);
        find.Parameters.AddWithValue("$keys", JsonArray(inodes.Distinct().Select(key =>
            string.Create(CultureInfo.InvariantCulture, $"[{unchecked((long)key.Device)},{unchecked((long)key.Inode)}]"))));
        var found = new Dictionary<(ulong, ulong), RememberedDigest>();
        using var reader = find.ExecuteReader();
        while (reader.Read())
        {
            if (Digest.TryParse(reader.GetString(6), out Digest digest))
            {
                var identity = new FileIdentity(
                    unchecked((ulong)reader.GetInt64(0)), unchecked((ulong)reader.GetInt64(1)), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), (uint)reader.GetInt64(5));
                found[(identity.Device, identity.Inode)] = new RememberedDigest(identity, digest, reader.GetInt64(7), reader.GetInt64(8));
            }
        }

        return found;
    }

    /// <summary>
    /// Records <paramref name="learned"/> in boot <paramref name="boot"/> (replacing what an inode had), refreshes the use time of the
    /// <paramref name="used"/> rows still holding those identities, and, when the table has grown beyond
    /// <paramref name="maxEntries"/>, drops the least recently used rows down to nine tenths of it.
    /// </summary>
    public void SaveRememberedDigests(string boot, IReadOnlyCollection<RememberedDigest> learned, IReadOnlyCollection<FileIdentity> used, long nowNs, int maxEntries)
    {
        using var connection = Connect(durable: false);
        using var transaction = connection.BeginTransaction();
        using (var upsert = connection.CreateCommand())
        {
            upsert.CommandText = """
                INSERT INTO file_identities (device, inode, size, mtime_ns, ctime_ns, mode, digest, boot, hashed_ns, used_ns)
                VALUES ($device, $inode, $size, $mtime, $ctime, $mode, $digest, $boot, $hashed, $used)
                ON CONFLICT (device, inode) DO UPDATE SET
                    size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, mode = excluded.mode,
                    digest = excluded.digest, boot = excluded.boot, hashed_ns = excluded.hashed_ns, used_ns = excluded.used_ns
                """;
            var identity = new IdentityParameters(upsert);
            var digest = upsert.Parameters.Add("$digest", SqliteType.Text);
            var hashed = upsert.Parameters.Add("$hashed", SqliteType.Integer);
            var usedNs = upsert.Parameters.Add("$used", SqliteType.Integer);
            upsert.Parameters.AddWithValue("$boot", boot);
            foreach (RememberedDigest entry in learned)
            {
                identity.Set(entry.Identity);
                digest.Value = entry.Digest.ToString();
                hashed.Value = entry.HashedNs;
                usedNs.Value = entry.UsedNs;
                upsert.ExecuteNonQuery();
            }
        }

        using (var touch = connection.CreateCommand())
        {
            touch.CommandText = """
                UPDATE file_identities SET used_ns = max(used_ns, $now)
                WHERE device = $device AND inode = $inode AND size = $size AND mtime_ns = $mtime AND ctime_ns = $ctime AND mode = $mode
                    AND boot = $boot
                """;
            touch.Parameters.AddWithValue("$now", nowNs);
            touch.Parameters.AddWithValue("$boot", boot);
            var identity = new IdentityParameters(touch);
            foreach (FileIdentity entry in used)
            {
                identity.Set(entry);
                touch.ExecuteNonQuery();
            }
        }

        if (learned.Count > 0)
        {
            EvictRememberedDigests(connection, maxEntries);
        }

        transaction.Commit();
    }

    private static void EvictRememberedDigests(SqliteConnection connection, int maxEntries)
    {
        long entries = CountRememberedDigests(connection);
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
    public long CountRememberedDigests()
    {
        using var connection = Connect(durable: false);
        return CountRememberedDigests(connection);
    }

    private static long CountRememberedDigests(SqliteConnection connection)
    {
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM file_identities";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Forgets every remembered digest (a repair: whatever the store held before is no longer taken on trust).
    /// Returns how many there were.</summary>
    public int ForgetRememberedDigests()
    {
        using var connection = Connect();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM file_identities";
        return delete.ExecuteNonQuery();
    }

    /// <summary>Inside a deletion's transaction: forgets the files remembered as holding content being deleted.</summary>
    private static void ForgetRememberedDigests(SqliteConnection connection, string digest)
    {
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM file_identities WHERE digest = $digest";
        delete.Parameters.AddWithValue("$digest", digest);
        delete.ExecuteNonQuery();
    }

    /// <summary>The parameters $device, $inode, $size, $mtime, $ctime and $mode of a statement over file identities.
    /// Devices and inodes go in as signed 64-bit integers, their bits unchanged.</summary>
    private sealed class IdentityParameters(SqliteCommand command)
    {
        private readonly SqliteParameter _device = command.Parameters.Add("$device", SqliteType.Integer);
        private readonly SqliteParameter _inode = command.Parameters.Add("$inode", SqliteType.Integer);
        private readonly SqliteParameter _size = command.Parameters.Add("$size", SqliteType.Integer);
        private readonly SqliteParameter _mtime = command.Parameters.Add("$mtime", SqliteType.Integer);
        private readonly SqliteParameter _ctime = command.Parameters.Add("$ctime", SqliteType.Integer);
        private readonly SqliteParameter _mode = command.Parameters.Add("$mode", SqliteType.Integer);

        public void Set(in FileIdentity identity)
        {
            _device.Value = unchecked((long)identity.Device);
            _inode.Value = unchecked((long)identity.Inode);
            _size.Value = identity.Size;
            _mtime.Value = identity.ModificationTimeNs;
            _ctime.Value = identity.ChangeTimeNs;
            _mode.Value = identity.Mode;
        }
    }
}
