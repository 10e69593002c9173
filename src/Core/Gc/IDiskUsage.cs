namespace Snapshotter.Gc;

/// <summary>Where the collector learns how full the store's filesystem is: statfs for real, a fake in tests.</summary>
internal interface IDiskUsage
{
    DiskUsage Measure();
}
