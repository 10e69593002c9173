namespace Snapshotter.Gc;

/// <summary>Which pressure policies a collection found in force when it started: once started, eviction for disk
/// usage goes on down to the low watermark even though usage is then below the high one.</summary>
internal readonly record struct GcTriggers(bool DiskUsage, bool StoreSize)
{
    public static GcTriggers At(GcOptions options, DiskUsage usage, long storeBytes) => new(
        DiskUsage: options.HighWatermarkPercent > 0 && usage.UsedPercent >= options.HighWatermarkPercent,
        StoreSize: options.MaxStoreBytes > 0 && storeBytes > options.MaxStoreBytes);
}
