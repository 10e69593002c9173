using System.Buffers.Binary;
using System.Text;
using Microsoft.Data.Sqlite;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>
/// Leases: what running operations pin so that no collector, in this process or another, takes it from under
/// them. Every write here is a transaction of its own, serialized with the collector's deletions by SQLite's
/// write lock: a pin committed before a deletion's transaction begins is seen by it, and a deletion committed
/// before the pin is already visible on disk to whoever pinned. Leases need not survive power loss (their
/// owners do not), so they are committed without fsync.
/// </summary>
internal sealed class LeaseRecords
{
    private readonly MetadataDatabase _database;

    public LeaseRecords(MetadataDatabase database) => _database = database;

    public long CreateLease(string owner, string purpose, long nowNs)
    {
        using var connection = _database.Connect(durable: false);
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO leases (owner, purpose, created_ns) VALUES ($owner, $purpose, $now) RETURNING id";
        insert.Parameters.AddWithValue("$owner", owner);
        insert.Parameters.AddWithValue("$purpose", purpose);
        insert.Parameters.AddWithValue("$now", nowNs);
        return (long)insert.ExecuteScalar()!;
    }

    /// <summary>Finds a committed snapshot and pins it in one transaction, so no collector can evict it between the two.</summary>
    public SnapshotRecord? PinCommitted(long leaseId, string name, string version)
    {
        using var connection = _database.Connect(durable: false);
        using var transaction = connection.BeginTransaction();
        SnapshotRecord? snapshot = SnapshotRecords.FindCommitted(connection, name, version);
        if (snapshot is not null)
        {
            using var pin = connection.CreateCommand();
            pin.CommandText = "INSERT OR IGNORE INTO leased_snapshots (lease_id, snapshot_id) VALUES ($lease, $id)";
            pin.Parameters.AddWithValue("$lease", leaseId);
            pin.Parameters.AddWithValue("$id", snapshot.Id);
            pin.ExecuteNonQuery();
        }

        transaction.Commit();
        return snapshot;
    }

    /// <summary>Pins the digests, as one set recorded in one statement.</summary>
    public void PinContent(long leaseId, IEnumerable<Digest> digests)
    {
        using var connection = _database.Connect(durable: false);
        InsertPinSet(connection, leaseId, digests);
    }

    /// <summary>A set of pinned digests: their values, 8 bytes each (big-endian), in ascending order.</summary>
    internal static void InsertPinSet(SqliteConnection connection, long leaseId, IEnumerable<Digest> digests)
    {
        // Sorted, then written without repeats: no set of every digest beside the array (a snapshot pins 100,000 at once).
        ulong[] values = digests.Select(d => d.Value).ToArray();
        if (values.Length == 0)
        {
            return;
        }

        Array.Sort(values);
        int distinct = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (i == 0 || values[i] != values[i - 1])
            {
                values[distinct++] = values[i];
            }
        }

        byte[] set = new byte[distinct * sizeof(ulong)];
        for (int i = 0; i < distinct; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(set.AsSpan(i * sizeof(ulong)), values[i]);
        }

        using var insert = new RowStatement(connection, "INSERT INTO leased_content (lease_id, digests) VALUES (?1, ?2)");
        insert.Bind(1, leaseId).Bind(2, set).Execute();
    }

    /// <summary>Every digest a lease of a live owner pins (read inside the caller's transaction). Each owner is asked
    /// about once.</summary>
    internal static HashSet<Digest> LivePinnedContent(SqliteConnection connection, Func<string, bool> isOwnerAlive)
    {
        var alive = new Dictionary<string, bool>(StringComparer.Ordinal);
        var pinned = new HashSet<Digest>();
        using var sets = new RowStatement(connection, "SELECT l.owner, c.digests FROM leased_content c JOIN leases l ON l.id = c.lease_id");
        while (sets.Read())
        {
            string owner = Encoding.UTF8.GetString(sets.Text(0));
            if (!alive.TryGetValue(owner, out bool live))
            {
                alive[owner] = live = isOwnerAlive(owner);
            }

            // A set's length is a multiple of 8 unless something else wrote it; a partial last value is no digest.
            ReadOnlySpan<byte> set = live ? sets.Blob(1) : [];
            for (int offset = 0; offset + sizeof(ulong) <= set.Length; offset += sizeof(ulong))
            {
                pinned.Add(new Digest(BinaryPrimitives.ReadUInt64BigEndian(set[offset..])));
            }
        }

        return pinned;
    }

    public void DeleteLease(long leaseId)
    {
        using var connection = _database.Connect(durable: false);
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM leases WHERE id = $id";
        delete.Parameters.AddWithValue("$id", leaseId);
        delete.ExecuteNonQuery();
    }

    /// <summary>Leases whose owners are no longer alive: dropped (or only counted when <paramref name="delete"/> is false).</summary>
    public int DeleteDeadLeases(Func<string, bool> isOwnerAlive, bool delete = true)
    {
        using var connection = _database.Connect(durable: false);
        var dead = new List<string>();
        using (var owners = connection.CreateCommand())
        {
            owners.CommandText = "SELECT owner, count(*) FROM leases GROUP BY owner";
            using var reader = owners.ExecuteReader();
            int count = 0;
            while (reader.Read())
            {
                if (!isOwnerAlive(reader.GetString(0)))
                {
                    dead.Add(reader.GetString(0));
                    count += (int)reader.GetInt64(1);
                }
            }

            if (!delete)
            {
                return count;
            }
        }

        int removed = 0;
        using var transaction = connection.BeginTransaction();
        using var drop = connection.CreateCommand();
        drop.CommandText = "DELETE FROM leases WHERE owner = $owner";
        var owner = drop.Parameters.Add("$owner", SqliteType.Text);
        foreach (string token in dead)
        {
            owner.Value = token;
            removed += drop.ExecuteNonQuery();
        }

        transaction.Commit();
        return removed;
    }

    /// <summary>Whether a lease of a live owner pins the snapshot (read inside the caller's transaction).</summary>
    internal static bool IsSnapshotPinned(SqliteConnection connection, long snapshotId, Func<string, bool> isOwnerAlive)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT DISTINCT l.owner FROM leased_snapshots s JOIN leases l ON l.id = s.lease_id WHERE s.snapshot_id = $id";
        query.Parameters.AddWithValue("$id", snapshotId);
        return AnyAlive(query, isOwnerAlive);
    }

    private static bool AnyAlive(SqliteCommand ownersQuery, Func<string, bool> isOwnerAlive)
    {
        using var reader = ownersQuery.ExecuteReader();
        while (reader.Read())
        {
            if (isOwnerAlive(reader.GetString(0)))
            {
                return true;
            }
        }

        return false;
    }
}
