using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Interop;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// A connection to the metadata database whose failures say which operating-system error caused them. SQLite reports
/// a full disk met while growing its -shm file or syncing its WAL as a generic I/O error, and its own record of the
/// errno (sqlite3_system_errno) is read after other calls may have changed errno. Its error log is written where the
/// system call failed, with the errno: each thread keeps the last I/O error logged (<see cref="OnSqliteLog"/>), and
/// when SQLite's exception is thrown with that very error code, the errno goes with it in
/// <see cref="Exception.Data"/> under <see cref="Failure.SqliteSystemErrnoKey"/> (<see cref="RecordSystemErrno"/>).
/// SQLite also opens its WAL or -shm file read-only when the read-write open fails, without logging why, and a write
/// then fails as READONLY: the cause is looked for by opening those files read-write, and a failure that has passed
/// reads as EIO, not as a permission the files do have.
/// </summary>
internal sealed partial class MetadataConnection : SqliteConnection
{
    private const int SqliteReadOnly = 8;
    private const int SqliteIoErr = 10;
    private const int SqliteCantOpen = 14;

    [ThreadStatic]
    private static (int Code, int Errno) t_lastIoError;

    [ThreadStatic]
    private static List<MetadataConnection>? t_open;

    public MetadataConnection(string connectionString)
        : base(connectionString)
    {
    }

    /// <summary>Routes SQLite's error log to <see cref="OnSqliteLog"/> and makes <see cref="RecordSystemErrno"/> see
    /// every exception; once per process, before the first connection (SQLite takes a log only while uninitialized).</summary>
    public static unsafe void InstallErrorCapture()
    {
        if (Sqlite3.ConfigLog(Sqlite3.SQLITE_CONFIG_LOG, &OnSqliteLog, IntPtr.Zero) == Sqlite3.SQLITE_MISUSE)
        {
            Sqlite3.Shutdown();
            Sqlite3.ConfigLog(Sqlite3.SQLITE_CONFIG_LOG, &OnSqliteLog, IntPtr.Zero);
            Sqlite3.Initialize();
        }

        AppDomain.CurrentDomain.FirstChanceException += RecordSystemErrno;
    }

    /// <summary>
    /// Opens the database for reading and writing. When SQLite cannot open the file read-write it opens it read-only
    /// without saying why, and the first write fails as READONLY whatever the cause was; a read-only handle is
    /// therefore never kept (nor pooled): the cause is found by opening the file read-write directly, and a failure
    /// that has passed (an interrupted or transient open) is followed by one more attempt.
    /// </summary>
    public override void Open()
    {
        for (int attempt = 1; ; attempt++)
        {
            base.Open();
            if (SQLitePCL.raw.sqlite3_db_readonly(Handle, "main") != 1)
            {
                (t_open ??= []).Add(this);
                return;
            }

            ClearPool(this);
            Close();
            int fd = UnixFile.OpenDescriptor(DataSource, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
            if (fd < 0)
            {
                throw Errno.LastException("open for writing", DataSource);
            }

            Libc.Close(fd);
            if (attempt == 2)
            {
                throw new SnapshotterException(ErrorCode.IO, $"metadata database '{DataSource}' opens only read-only, yet the file opens read-write");
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void OnSqliteLog(IntPtr argument, int code, IntPtr message)
    {
        if ((code & 0xFF) is SqliteIoErr or SqliteCantOpen
            && Marshal.PtrToStringUTF8(message) is { } text && LoggedErrno().Match(text) is { Success: true } match)
        {
            t_lastIoError = (code, int.Parse(match.Groups[1].ValueSpan));
        }
    }

    private static void RecordSystemErrno(object? sender, FirstChanceExceptionEventArgs args)
    {
        if (args.Exception is not SqliteException exception)
        {
            return;
        }

        if ((exception.SqliteErrorCode & 0xFF) is SqliteIoErr or SqliteCantOpen && t_lastIoError.Code == exception.SqliteExtendedErrorCode)
        {
            exception.Data[Failure.SqliteSystemErrnoKey] = t_lastIoError.Errno;
            t_lastIoError = default;
        }
        else if ((exception.SqliteErrorCode & 0xFF) == SqliteReadOnly && t_open is [.., var connection])
        {
            exception.Data[Failure.SqliteSystemErrnoKey] = WhyReadOnly(connection.DataSource);

            // The handle keeps its read-only WAL for as long as it lives: returned to the pool, it would fail every
            // later write of a long-lived process, though the cause has passed.
            ClearPool(connection);
        }
    }

    /// <summary>The errno of opening the database, its WAL or its -shm file read-write; EIO when all of them open.</summary>
    private static int WhyReadOnly(string database)
    {
        foreach (string path in new[] { database, database + "-wal", database + "-shm" })
        {
            int fd = UnixFile.OpenDescriptor(path, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                Libc.Close(fd);
            }
            else if (Errno.Last != Errno.ENOENT)
            {
                return Errno.Last;
            }
        }

        return Errno.EIO;
    }

    protected override void Dispose(bool disposing)
    {
        t_open?.Remove(this);
        base.Dispose(disposing);
    }

    /// <summary>How SQLite's Unix layer logs a failed system call: "os_unix.c:LINE: (ERRNO) call(path) - text".</summary>
    [GeneratedRegex(@"^os_unix\.c:\d+: \((\d+)\) ")]
    private static partial Regex LoggedErrno();
}
