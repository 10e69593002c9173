namespace Snapshotter.Interop;

/// <summary>
/// Direct calls into the C library. One file per call, each with its return convention; errors are
/// read with <see cref="Snapshotter.Errors.Errno.Last"/> and translated only by <see cref="Snapshotter.Errors.Errno"/>.
/// </summary>
internal static partial class Libc
{
    private const string Library = "libc";
}
