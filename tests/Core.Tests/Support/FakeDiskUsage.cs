using Snapshotter.Gc;

namespace Snapshotter.Tests.Support;

/// <summary>
/// A filesystem of <see cref="TotalBytes"/> whose used bytes are <see cref="OtherBytes"/> plus the sizes of the
/// store's content files, measured on every call: deleting content frees exactly what a plan projects.
/// </summary>
internal sealed class FakeDiskUsage : IDiskUsage
{
    private readonly string _contentDir;

    public FakeDiskUsage(string contentDir, long totalBytes)
    {
        _contentDir = contentDir;
        TotalBytes = totalBytes;
    }

    public long TotalBytes { get; set; }

    public long OtherBytes { get; set; }

    public int Measurements { get; private set; }

    public DiskUsage Measure()
    {
        Measurements++;
        long content = Directory.Exists(_contentDir)
            ? Directory.EnumerateFiles(_contentDir).Where(p => !Path.GetFileName(p).StartsWith('.')).Sum(p => new FileInfo(p).Length)
            : 0;
        return new DiskUsage(TotalBytes, OtherBytes + content);
    }
}
