using Microsoft.Data.Sqlite;

namespace Snapshotter.Metadata;

/// <summary>
/// The SQLite database under RootDir/metadata that every metadata record lives in, and the only place connections to
/// it are made. WAL mode and busy waiting let several handles and processes share one database; synchronous=FULL makes
/// every commit survive power loss. Each concern (<see cref="SnapshotRecords"/>, <see cref="FileLists"/>,
/// <see cref="LeaseRecords"/>, <see cref="RememberedDigests"/>, <see cref="UploadRecords"/>, <see cref="GcRecords"/>)
/// opens its own transactions here; a transaction that spans concerns (a commit records a file list, a deletion
/// forgets remembered digests) is held by one of them on a connection from here and passes that connection to the
/// others' static operations, which run inside the caller's transaction and never open one of their own.
/// </summary>
internal sealed class MetadataDatabase
{
    public const string FileName = "snapshotter.db";
    private const int BusyTimeoutSeconds = 60;

    private static readonly Lazy<bool> SqliteInitialized = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        MetadataConnection.InstallErrorCapture();
        return true;
    });

    private readonly string _connectionString;

    private MetadataDatabase(string path)
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

    /// <summary>Opens (creating or migrating as needed, see <see cref="MetadataSchema"/>) the database in
    /// <paramref name="metadataDir"/>.</summary>
    public static MetadataDatabase Open(string metadataDir)
    {
        _ = SqliteInitialized.Value;
        var database = new MetadataDatabase(System.IO.Path.Join(metadataDir, FileName));
        using var connection = database.Connect();
        MetadataSchema.Migrate(connection, database.Path);
        return database;
    }

    /// <param name="durable">FULL: the commit survives power loss. Otherwise NORMAL, for records that die with their
    /// process anyway (leases): in WAL mode that skips the fsync but never risks the database's consistency.</param>
    public SqliteConnection Connect(bool durable = true)
    {
        var connection = new MetadataConnection(_connectionString);
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

    /// <summary>
    /// Closes the connections the pool keeps idle for this database (one in use closes when it is returned): a
    /// closed handle leaves no descriptor open on the database, its WAL or its -shm, and the last connection
    /// closing writes the WAL back, so the next process to open the database does not read it all again.
    /// </summary>
    public void CloseIdleConnections()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Writes the write-ahead log back into the database and truncates it, giving its space back to the
    /// filesystem. Readers elsewhere can keep it from finishing: it then waits at most a second and leaves the log to
    /// SQLite's own checkpoints.</summary>
    public void TruncateLog()
    {
        using var connection = Connect();
        Run(connection, "PRAGMA busy_timeout = 1000; PRAGMA wal_checkpoint(TRUNCATE);");
    }

    /// <summary>SQLite's quick_check plus a foreign key check: an empty list when the database is sound.</summary>
    public List<string> CheckIntegrity()
    {
        using var connection = Connect();
        var problems = new List<string>();
        using (var quick = connection.CreateCommand())
        {
            quick.CommandText = "PRAGMA quick_check";
            using var reader = quick.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetString(0) != "ok")
                {
                    problems.Add(reader.GetString(0));
                }
            }
        }

        using var foreignKeys = connection.CreateCommand();
        foreignKeys.CommandText = "PRAGMA foreign_key_check";
        using var violations = foreignKeys.ExecuteReader();
        while (violations.Read())
        {
            problems.Add($"table {violations.GetString(0)} row {(violations.IsDBNull(1) ? "?" : violations.GetInt64(1))} refers to a missing {violations.GetString(2)} record");
        }

        return problems;
    }

    internal static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
