using Snapshotter.Errors;

namespace Snapshotter.Gc;

/// <summary>
/// How the store is collected (snapshotter_gc_options in the C ABI). The defaults are those of Dragonfly's Go
/// snapshotter: every 5 minutes; when the filesystem is at least 90 % used, evict least recently used
/// snapshots, 10 per batch and at most 100 batches, until it is below 70 %; never a snapshot used in the last
/// 5 minutes. The other policies are off unless set.
/// </summary>
public sealed record GcOptions
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);
    public const int DefaultHighWatermarkPercent = 90;
    public const int DefaultLowWatermarkPercent = 70;
    public const int DefaultBatchSize = 10;
    public const int DefaultMaxBatches = 100;
    public static readonly TimeSpan DefaultMinRetention = TimeSpan.FromMinutes(5);

    /// <summary>Unreferenced content and foreign temporary files younger than this are left alone: a writer that
    /// does not take leases (the Go snapshotter) may still be about to use them.</summary>
    public static readonly TimeSpan DefaultOrphanGracePeriod = TimeSpan.FromHours(1);

    /// <summary>Whether open starts a collector that runs every <see cref="Interval"/> until the handle is closed.</summary>
    public bool Background { get; init; } = true;

    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>Eviction for disk usage starts at this percentage of the filesystem used; 0 turns it off.</summary>
    public int HighWatermarkPercent { get; init; } = DefaultHighWatermarkPercent;

    /// <summary>Once started, eviction for disk usage goes on until usage is below this percentage.</summary>
    public int LowWatermarkPercent { get; init; } = DefaultLowWatermarkPercent;

    public int BatchSize { get; init; } = DefaultBatchSize;

    public int MaxBatches { get; init; } = DefaultMaxBatches;

    /// <summary>Snapshots used (created or restored) more recently than this are never evicted.</summary>
    public TimeSpan MinRetention { get; init; } = DefaultMinRetention;

    /// <summary>Keep only the newest N versions (by creation) of each name; 0 keeps every version.</summary>
    public int KeepLastVersions { get; init; }

    /// <summary>Evict snapshots not used for longer than this; zero turns the policy off.</summary>
    public TimeSpan MaxAge { get; init; }

    /// <summary>Evict least recently used snapshots while the content in the store exceeds this many bytes; 0 turns it off.</summary>
    public long MaxStoreBytes { get; init; }

    public TimeSpan OrphanGracePeriod { get; init; } = DefaultOrphanGracePeriod;

    /// <summary>Refuses values no collector could follow, naming the field as the C ABI spells it.</summary>
    public void Validate()
    {
        Require(Interval > TimeSpan.Zero, $"gc.interval_seconds must be at least 1 (is {Interval.TotalSeconds})");
        Require(HighWatermarkPercent is >= 0 and <= 100, $"gc.high_watermark_percent {HighWatermarkPercent} is out of range 0..100");
        Require(LowWatermarkPercent >= 0 && (HighWatermarkPercent == 0 || LowWatermarkPercent <= HighWatermarkPercent),
            $"gc.low_watermark_percent {LowWatermarkPercent} must be between 0 and gc.high_watermark_percent {HighWatermarkPercent}");
        Require(BatchSize >= 1, $"gc.batch_size must be at least 1 (is {BatchSize})");
        Require(MaxBatches >= 1, $"gc.max_batches must be at least 1 (is {MaxBatches})");
        Require(MinRetention >= TimeSpan.Zero, "gc.min_retention_seconds must not be negative");
        Require(KeepLastVersions >= 0, $"gc.keep_last must not be negative (is {KeepLastVersions})");
        Require(MaxAge >= TimeSpan.Zero, "gc.max_age_seconds must not be negative");
        Require(MaxStoreBytes >= 0, $"gc.max_store_bytes must not be negative (is {MaxStoreBytes})");
        Require(OrphanGracePeriod >= TimeSpan.Zero, "gc.orphan_grace_seconds must not be negative");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw SnapshotterException.InvalidArgument(message);
        }
    }
}
