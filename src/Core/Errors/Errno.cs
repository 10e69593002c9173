using System.Runtime.InteropServices;

namespace Snapshotter.Errors;

/// <summary>
/// The single place where operating-system error numbers become <see cref="SnapshotterException"/>s.
/// </summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int EMLINK = 31;
    public const int ERANGE = 34;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int EDQUOT = 122;

    /// <summary>The errno of the last <c>SetLastError = true</c> call on this thread.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    public static ErrorCode ToCode(int errno) => errno switch
    {
        ENOENT or ENOTDIR => ErrorCode.NotFound,
        EEXIST => ErrorCode.AlreadyExists,
        EACCES or EPERM or EROFS => ErrorCode.PermissionDenied,
        ENOSPC or EDQUOT => ErrorCode.NoSpace,
        EOPNOTSUPP or ENOSYS => ErrorCode.Unsupported,
        _ => ErrorCode.IO,
    };

    /// <summary>"&lt;operation&gt; '&lt;path&gt;': &lt;strerror&gt;", with the code errno maps to.</summary>
    public static SnapshotterException Exception(int errno, string operation, string path) =>
        new(ToCode(errno), $"{operation} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}") { OsError = errno };

    public static SnapshotterException LastException(string operation, string path) => Exception(Last, operation, path);
}
