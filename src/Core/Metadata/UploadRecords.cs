using Microsoft.Data.Sqlite;
using Snapshotter.Hashing;

namespace Snapshotter.Metadata;

/// <summary>Which content was already uploaded where (a registry, a catalog directory), so a publish sends only what
/// its destination lacks.</summary>
internal sealed class UploadRecords
{
    private readonly MetadataDatabase _database;

    public UploadRecords(MetadataDatabase database) => _database = database;

    /// <summary>The digests among <paramref name="digests"/> not yet recorded as uploaded to <paramref name="location"/>.</summary>
    public List<Digest> NotUploaded(IEnumerable<Digest> digests, string location)
    {
        using var connection = _database.Connect();
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
        using var connection = _database.Connect();
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
}
