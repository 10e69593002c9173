using Microsoft.Data.Sqlite;

namespace Snapshotter.Errors;

/// <summary>
/// Turns whatever escaped an operation into the <see cref="SnapshotterException"/> the caller sees: the one
/// place that knows how cancellation, SQLite and runtime exceptions map to result codes.
/// </summary>
internal static class Failure
{
    private const int SqliteFull = 13;
    private const int SqliteReadOnly = 8;
    private const int SqlitePerm = 3;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <param name="exception">What escaped.</param>
    /// <param name="operation">"snapshot 'name:version'" or similar, for cancellation messages.</param>
    /// <param name="closing">Whether the handle is being closed (cancellation then reads as CLOSED).</param>
    public static SnapshotterException Translate(Exception exception, string operation, bool closing) => exception switch
    {
        SnapshotterException { Code: ErrorCode.Cancelled } when closing => Closed(operation, exception),
        SnapshotterException e => e,
        OperationCanceledException when closing => Closed(operation, exception),
        OperationCanceledException => new SnapshotterException(ErrorCode.Cancelled, $"{operation} was cancelled", exception),
        SqliteException e => new SnapshotterException(SqliteCode(e.SqliteErrorCode), $"{operation}: metadata database: {e.Message}", e),
        UnauthorizedAccessException e => new SnapshotterException(ErrorCode.PermissionDenied, $"{operation}: {e.Message}", e),
        IOException e => new SnapshotterException(ErrorCode.IO, $"{operation}: {e.Message}", e),
        OutOfMemoryException e => new SnapshotterException(ErrorCode.Internal, $"{operation}: out of memory", e),
        _ => new SnapshotterException(ErrorCode.Internal, $"{operation}: internal error: {exception.GetType().Name}: {exception.Message}", exception),
    };

    private static SnapshotterException Closed(string operation, Exception inner) =>
        new(ErrorCode.Closed, $"{operation} was stopped: the handle was closed", inner);

    private static ErrorCode SqliteCode(int code) => (code & 0xFF) switch
    {
        SqliteFull => ErrorCode.NoSpace,
        SqliteReadOnly or SqlitePerm => ErrorCode.PermissionDenied,
        SqliteCorrupt or SqliteNotADatabase => ErrorCode.Corrupt,
        _ => ErrorCode.IO,
    };
}
