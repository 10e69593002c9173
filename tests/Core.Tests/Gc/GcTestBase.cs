using Snapshotter.Engine;
using Snapshotter.Gc;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Gc;

/// <summary>Engines on a clock the test moves and a fake filesystem whose used bytes follow the content stored.</summary>
public abstract class GcTestBase : EngineTestBase
{
    protected GcTestBase()
    {
        Clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        Disk = new FakeDiskUsage(ContentDir, totalBytes: 1L << 30);
    }

    internal ManualTimeProvider Clock { get; }

    internal FakeDiskUsage Disk { get; }

    protected static GcOptions Manual => new() { Background = false, MinRetention = TimeSpan.Zero, OrphanGracePeriod = TimeSpan.FromMinutes(10) };

    protected SnapshotEngine OpenGc(GcOptions gc) =>
        OpenEngine(new EngineOptions { RootDir = RootDir, Time = Clock, Gc = gc, DiskUsage = Disk });

    /// <summary>Snapshot name:version of one file with distinct content of <paramref name="bytes"/> bytes.</summary>
    protected void SnapshotDistinct(SnapshotEngine engine, string name, string version, int bytes = 1000, int seed = 0)
    {
        string file = $"{name}-{version}.bin";
        Source(file, TestFiles.Pattern(bytes, seed == 0 ? HashCode.Combine(name, version) : seed));
        engine.Snapshot(SnapshotOf(name, version, BaseDir, new FileSpec(file, false)));
    }

    protected static bool Exists(SnapshotEngine engine, string name, string version)
    {
        try
        {
            engine.Restore(new RestoreRequest { Name = name, Version = version });
            return true;
        }
        catch (Snapshotter.Errors.SnapshotterException e) when (e.Code == Snapshotter.Errors.ErrorCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Makes the fake filesystem (<paramref name="totalBytes"/>) <paramref name="percent"/> % full as the store stands.</summary>
    protected void FillDiskTo(double percent, long totalBytes)
    {
        Disk.TotalBytes = totalBytes;
        Disk.OtherBytes = 0;
        Disk.OtherBytes = (long)(totalBytes * percent / 100) - Disk.Measure().UsedBytes;
    }
}
