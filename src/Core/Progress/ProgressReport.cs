namespace Snapshotter.Progress;

/// <summary>How far a call has come: files and logical bytes done out of the totals.</summary>
public readonly record struct ProgressReport(long FilesDone, long FilesTotal, long BytesDone, long BytesTotal);
