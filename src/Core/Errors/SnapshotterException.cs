namespace Snapshotter.Errors;

/// <summary>
/// The one exception type the library throws on purpose. Its message names the path, field or digest
/// that was wrong; the export layer passes both code and message to the caller unchanged.
/// </summary>
public sealed class SnapshotterException : Exception
{
    public SnapshotterException(ErrorCode code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    public ErrorCode Code { get; }

    /// <summary>The errno behind an <see cref="ErrorCode.IO"/>-like failure, or 0.</summary>
    public int OsError { get; init; }

    public static SnapshotterException InvalidArgument(string message) => new(ErrorCode.InvalidArgument, message);

    public static SnapshotterException NotFound(string message) => new(ErrorCode.NotFound, message);

    public static SnapshotterException AlreadyExists(string message) => new(ErrorCode.AlreadyExists, message);

    public static SnapshotterException Corrupt(string message) => new(ErrorCode.Corrupt, message);

    public static SnapshotterException FailedPrecondition(string message) => new(ErrorCode.FailedPrecondition, message);
}
