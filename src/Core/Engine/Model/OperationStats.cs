namespace Snapshotter.Engine;

/// <summary>What a snapshot or restore call did (snapshotter_stats in the C ABI). FilesRemoved: extra files an
/// in-place restore deleted.</summary>
public sealed record OperationStats(
    long Files,
    long Bytes,
    long BytesRead,
    long BytesWritten,
    long FilesReused,
    long FilesLinked,
    TimeSpan Elapsed,
    long FilesRemoved = 0);
