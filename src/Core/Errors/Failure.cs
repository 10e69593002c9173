using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Snapshotter.Errors;

/// <summary>
/// Turns whatever escaped an operation into the <see cref="SnapshotterException"/> the caller sees: the one
/// place that knows how cancellation, SQLite and runtime exceptions map to result codes.
/// </summary>
internal static class Failure
{
    /// <summary>Where a <see cref="SqliteException"/>'s <see cref="Exception.Data"/> holds the errno behind an SQLite
    /// I/O error, when the metadata layer could read it.</summary>
    public const string SqliteSystemErrnoKey = "snapshotter.errno";

    private const int SqliteFull = 13;
    private const int SqliteReadOnly = 8;
    private const int SqlitePerm = 3;
    public const int SqliteCorrupt = 11;
    public const int SqliteNotADatabase = 26;

    /// <param name="exception">What escaped.</param>
    /// <param name="operation">"snapshot 'name:version'" or similar, for cancellation messages.</param>
    /// <param name="closing">Whether the handle is being closed (cancellation then reads as CLOSED).</param>
    public static SnapshotterException Translate(Exception exception, string operation, bool closing) => exception switch
    {
        SnapshotterException { Code: ErrorCode.Cancelled } when closing => Closed(operation, exception),
        SnapshotterException e => e,
        OperationCanceledException when closing => Closed(operation, exception),
        OperationCanceledException => new SnapshotterException(ErrorCode.Cancelled, $"{operation} was cancelled", exception),
        SqliteException e => Sqlite(e, operation),
        UnauthorizedAccessException e => new SnapshotterException(ErrorCode.PermissionDenied, $"{operation}: {e.Message}", e),
        IOException e => new SnapshotterException(ErrorCode.IO, $"{operation}: {e.Message}", e),
        OutOfMemoryException e => new SnapshotterException(ErrorCode.Internal, $"{operation}: out of memory", e),
        _ => new SnapshotterException(ErrorCode.Internal, $"{operation}: internal error: {exception.GetType().Name}: {exception.Message}", exception),
    };

    private static SnapshotterException Closed(string operation, Exception inner) =>
        new(ErrorCode.Closed, $"{operation} was stopped: the handle was closed", inner);

    /// <summary>By SQLite's result code, except that a failure whose errno is known maps as that errno does where it
    /// says more (ENOSPC, EDQUOT: NO_SPACE; EACCES, EPERM, EROFS: PERMISSION_DENIED; EIO and the like: IO).</summary>
    private static SnapshotterException Sqlite(SqliteException e, string operation)
    {
        if (e.Data[SqliteSystemErrnoKey] is int errno && Errno.ToCode(errno) is var code && code is ErrorCode.NoSpace or ErrorCode.PermissionDenied or ErrorCode.IO)
        {
            return new SnapshotterException(code, $"{operation}: metadata database: {e.Message} ({Marshal.GetPInvokeErrorMessage(errno)})", e) { OsError = errno };
        }

        return new SnapshotterException(SqliteCode(e.SqliteErrorCode), $"{operation}: metadata database: {e.Message}", e);
    }

    private static ErrorCode SqliteCode(int code) => (code & 0xFF) switch
    {
        SqliteFull => ErrorCode.NoSpace,
        SqliteReadOnly or SqlitePerm => ErrorCode.PermissionDenied,
        SqliteCorrupt or SqliteNotADatabase => ErrorCode.Corrupt,
        _ => ErrorCode.IO,
    };
}
