namespace Snapshotter.Gc;

/// <summary>How full the filesystem holding the store is: used = total - free, as the Go snapshotter counts it.</summary>
public readonly record struct DiskUsage(long TotalBytes, long UsedBytes)
{
    /// <summary>used / total * 100; 0 for a filesystem that reports no size.</summary>
    public double UsedPercent => TotalBytes <= 0 ? 0 : UsedBytes * 100.0 / TotalBytes;

    /// <summary>This usage after <paramref name="bytes"/> more were freed.</summary>
    public DiskUsage Freed(long bytes) => this with { UsedBytes = Math.Max(0, UsedBytes - bytes) };
}
