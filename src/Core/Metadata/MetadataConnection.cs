using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.Metadata;

/// <summary>
/// A connection to the metadata database that lets a failure say which operating-system error caused it. SQLite
/// reports a full disk met while extending its -shm or WAL file, or syncing, as a generic I/O error; the errno it
/// recorded tells ENOSPC from EIO. That errno lives on the connection, which is gone by the time the error reaches
/// <see cref="Failure"/>, so it is copied onto the exception when it is thrown (<see cref="RecordSystemErrno"/>),
/// from the connection of this thread that failed.
/// </summary>
internal sealed class MetadataConnection : SqliteConnection
{
    private const int SqliteIoErr = 10;
    private const int SqliteCantOpen = 14;

    [ThreadStatic]
    private static List<MetadataConnection>? t_open;

    public MetadataConnection(string connectionString)
        : base(connectionString)
    {
    }

    public override void Open()
    {
        base.Open();
        (t_open ??= []).Add(this);
    }

    /// <summary>A first-chance handler: stores the errno behind an SQLite I/O error in the exception's
    /// <see cref="Exception.Data"/> under <see cref="Failure.SqliteSystemErrnoKey"/>.</summary>
    public static void RecordSystemErrno(object? sender, FirstChanceExceptionEventArgs args)
    {
        if (args.Exception is not SqliteException exception || (exception.SqliteErrorCode & 0xFF) is not (SqliteIoErr or SqliteCantOpen)
            || t_open is not { } open)
        {
            return;
        }

        // The connection that failed still holds its error code: several may be open on this thread.
        for (int i = open.Count - 1; i >= 0; i--)
        {
            if (open[i].Handle is { } db && SQLitePCL.raw.sqlite3_extended_errcode(db) == exception.SqliteExtendedErrorCode)
            {
                exception.Data[Failure.SqliteSystemErrnoKey] = Sqlite3.SystemErrno(db.DangerousGetHandle());
                return;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        t_open?.Remove(this);
        base.Dispose(disposing);
    }
}
