using Snapshotter.Errors;

namespace Snapshotter.Grpc;

/// <summary>
/// A gRPC call that did not end with OK: the status the peer sent (or the one the transport concluded, such as
/// UNAVAILABLE for a peer that cannot be reached) and its decoded message. Callers add what the call was for
/// and turn it into a <see cref="SnapshotterException"/> with <see cref="ErrorCode"/>.
/// </summary>
internal sealed class GrpcException : Exception
{
    private static readonly string[] StatusNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    public GrpcException(GrpcStatusCode status, string detail, Exception? inner = null)
        : base($"{NameOf(status)}: {detail}", inner)
    {
        Status = status;
        Detail = detail;
    }

    public GrpcStatusCode Status { get; }

    /// <summary>The status message (grpc-message, percent-decoded), or what the transport observed.</summary>
    public string Detail { get; }

    /// <summary>
    /// The library's code for this status. Failures of the far side or of the way to it (UNKNOWN, INTERNAL,
    /// ABORTED, RESOURCE_EXHAUSTED, a CANCELLED the caller did not ask for) are UNAVAILABLE: retrying later may
    /// succeed, and nothing about the caller's request was wrong.
    /// </summary>
    public ErrorCode Code => Status switch
    {
        GrpcStatusCode.InvalidArgument or GrpcStatusCode.FailedPrecondition or GrpcStatusCode.OutOfRange => ErrorCode.InvalidArgument,
        GrpcStatusCode.NotFound => ErrorCode.NotFound,
        GrpcStatusCode.AlreadyExists => ErrorCode.AlreadyExists,
        GrpcStatusCode.PermissionDenied => ErrorCode.PermissionDenied,
        GrpcStatusCode.Unauthenticated => ErrorCode.Unauthenticated,
        GrpcStatusCode.DeadlineExceeded => ErrorCode.Timeout,
        GrpcStatusCode.Unimplemented => ErrorCode.Unsupported,
        GrpcStatusCode.DataLoss => ErrorCode.Corrupt,
        _ => ErrorCode.Unavailable,
    };

    public static string NameOf(GrpcStatusCode status) =>
        (int)status >= 0 && (int)status < StatusNames.Length ? StatusNames[(int)status] : $"STATUS_{(int)status}";
}
