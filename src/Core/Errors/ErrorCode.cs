namespace Snapshotter.Errors;

/// <summary>
/// Result codes shared with the C ABI (include/snapshotter.h, enum snapshotter_code).
/// Values are pinned: never renumber or reuse one.
/// </summary>
public enum ErrorCode
{
    Ok = 0,
    InvalidArgument = 1,
    NotFound = 2,
    AlreadyExists = 3,
    Cancelled = 4,
    IO = 5,
    Corrupt = 6,
    PermissionDenied = 7,
    NoSpace = 8,
    Unsupported = 9,
    Closed = 10,
    Unauthenticated = 11,
    Unavailable = 12,
    Timeout = 13,
    FailedPrecondition = 14,
    Internal = 100,
}
