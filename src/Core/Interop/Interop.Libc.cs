using System.Runtime.InteropServices;
using Snapshotter.Errors;

namespace Snapshotter.Interop;

/// <summary>
/// Direct calls into the C library. One file per call, each with its return convention; errors are
/// read with <see cref="Snapshotter.Errors.Errno.Last"/> and translated only by <see cref="Snapshotter.Errors.Errno"/>.
/// </summary>
internal static partial class Libc
{
    private const string Library = "libc";

    /// <summary>
    /// Makes <paramref name="call"/> (a call returning 0 or -1 and errno) again while a signal interrupts it before it
    /// did anything (EINTR). Calls that change the filesystem or wait (rename, link, flock, the syncs) go through
    /// this, so a signal handler the host installed without SA_RESTART never fails them.
    /// </summary>
    private static int Retrying(Func<int> call)
    {
        int result;
        do
        {
            result = call();
        }
        while (result == -1 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        return result;
    }
}
