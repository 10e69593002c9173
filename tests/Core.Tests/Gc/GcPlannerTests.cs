using Snapshotter.Gc;
using Snapshotter.Hashing;
using Snapshotter.Metadata;

namespace Snapshotter.Tests.Gc;

/// <summary>The pure planning step: which snapshots go, in which order, why, and what that frees.</summary>
public sealed class GcPlannerTests
{
    private const long Minute = 60_000_000_000;
    private const long Now = 1000 * Minute;
    private static readonly GcOptions Defaults = new() { Background = false };

    /// <summary>Snapshot i: name "n{i % names}", used i minutes after the epoch of the test, one private 100-byte digest.</summary>
    private static List<SnapshotUsage> Snapshots(int count, int names = 1) =>
        Enumerable.Range(1, count)
            .Select(i => new SnapshotUsage(i, $"n{i % names}", $"v{i}", i * Minute, i * Minute, Pinned: false, [new Digest((ulong)i)]))
            .ToList();

    private static GcInventory Inventory(IEnumerable<SnapshotUsage> snapshots, IEnumerable<Digest>? pinned = null)
    {
        List<SnapshotUsage> list = snapshots.ToList();
        var bytes = list.SelectMany(s => s.Digests).Distinct().ToDictionary(d => d, _ => 100L);
        return new GcInventory(list, bytes, pinned ?? []);
    }

    /// <summary>Every batch until none is left, projecting usage from what each frees (what a dry run does).</summary>
    private static List<List<PlannedEviction>> PlanAll(GcInventory inventory, DiskUsage usage, GcOptions options)
    {
        GcTriggers triggers = GcTriggers.At(options, usage, inventory.StoreBytes);
        var batches = new List<List<PlannedEviction>>();
        while (batches.Count < options.MaxBatches)
        {
            List<PlannedEviction> batch = GcPlanner.NextBatch(inventory, usage, Now, options, triggers);
            if (batch.Count == 0)
            {
                break;
            }

            batches.Add(batch);
            usage = usage.Freed(batch.Sum(e => e.FreedBytes));
        }

        return batches;
    }

    [Fact]
    public void Below_the_high_watermark_nothing_is_evicted()
    {
        var usage = new DiskUsage(10_000, 8_999);
        Assert.Empty(PlanAll(Inventory(Snapshots(20)), usage, Defaults));
    }

    [Fact]
    public void At_the_high_watermark_least_recently_used_go_until_below_the_low_watermark()
    {
        // 9,000 of 10,000 used; each snapshot frees 100: down to 7,000 (70 %) takes 20, one more to get below.
        var usage = new DiskUsage(10_000, 9_000);
        List<List<PlannedEviction>> batches = PlanAll(Inventory(Snapshots(40)), usage, Defaults);

        List<PlannedEviction> all = batches.SelectMany(b => b).ToList();
        Assert.Equal(21, all.Count);
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), all.Select(e => e.Snapshot.Id));
        Assert.All(all, e => Assert.Equal(EvictionReason.DiskUsage, e.Reason));
        Assert.Equal([10, 10, 1], batches.Select(b => b.Count));
        Assert.Equal(2_100, all.Sum(e => e.FreedBytes));
    }

    [Fact]
    public void Batches_are_bounded_in_size_and_number()
    {
        var options = Defaults with { BatchSize = 3, MaxBatches = 2, LowWatermarkPercent = 0 };
        List<List<PlannedEviction>> batches = PlanAll(Inventory(Snapshots(40)), new DiskUsage(10_000, 9_500), options);

        Assert.Equal([3, 3], batches.Select(b => b.Count));
    }

    [Fact]
    public void Snapshots_used_within_the_minimum_retention_and_pinned_ones_are_never_evicted()
    {
        List<SnapshotUsage> snapshots = Snapshots(10);
        snapshots[0] = snapshots[0] with { Pinned = true };
        snapshots[9] = snapshots[9] with { LastUsedNs = Now - Minute };
        var options = Defaults with { LowWatermarkPercent = 0, MinRetention = TimeSpan.FromMinutes(5) };

        List<PlannedEviction> all = PlanAll(Inventory(snapshots), new DiskUsage(100, 100), options).SelectMany(b => b).ToList();

        Assert.Equal(Enumerable.Range(2, 8).Select(i => (long)i), all.Select(e => e.Snapshot.Id));
    }

    [Fact]
    public void Content_shared_with_a_remaining_snapshot_or_pinned_is_not_freed()
    {
        var shared = new Digest(0xabc);
        var pinned = new Digest(0xdef);
        List<SnapshotUsage> snapshots =
        [
            new(1, "a", "v1", Minute, Minute, false, [shared, new Digest(1)]),
            new(2, "a", "v2", 2 * Minute, 2 * Minute, false, [pinned]),
            new(3, "a", "v3", 3 * Minute, Now, false, [shared]),
        ];
        var options = Defaults with { MaxAge = TimeSpan.FromMinutes(10) };

        List<PlannedEviction> all = PlanAll(Inventory(snapshots, [pinned]), new DiskUsage(100, 0), options).SelectMany(b => b).ToList();

        Assert.Equal([1L, 2L], all.Select(e => e.Snapshot.Id));
        Assert.All(all, e => Assert.Equal(EvictionReason.MaxAge, e.Reason));
        Assert.Equal([new Digest(1)], all[0].FreedContent.Select(c => c.Digest));
        Assert.Empty(all[1].FreedContent);
    }

    [Fact]
    public void Keep_last_evicts_all_but_the_newest_versions_of_each_name_whatever_the_disk()
    {
        var options = Defaults with { KeepLastVersions = 2 };
        List<PlannedEviction> all = PlanAll(Inventory(Snapshots(9, names: 3)), new DiskUsage(100, 0), options).SelectMany(b => b).ToList();

        // Names n0 {3,6,9}, n1 {1,4,7}, n2 {2,5,8}: the oldest of each goes.
        Assert.Equal([1L, 2L, 3L], all.Select(e => e.Snapshot.Id));
        Assert.All(all, e => Assert.Equal(EvictionReason.KeepLast, e.Reason));
    }

    [Fact]
    public void Max_age_evicts_snapshots_unused_for_longer()
    {
        var options = Defaults with { MaxAge = TimeSpan.FromMinutes(995) };
        List<PlannedEviction> all = PlanAll(Inventory(Snapshots(9)), new DiskUsage(100, 0), options).SelectMany(b => b).ToList();

        Assert.Equal([1L, 2L, 3L, 4L, 5L], all.Select(e => e.Snapshot.Id));
    }

    [Fact]
    public void Max_store_bytes_evicts_least_recently_used_until_the_content_fits()
    {
        var options = Defaults with { MaxStoreBytes = 650 };
        GcInventory inventory = Inventory(Snapshots(10));
        List<PlannedEviction> all = PlanAll(inventory, new DiskUsage(100, 0), options).SelectMany(b => b).ToList();

        Assert.Equal([1L, 2L, 3L, 4L], all.Select(e => e.Snapshot.Id));
        Assert.All(all, e => Assert.Equal(EvictionReason.StoreSize, e.Reason));
        Assert.Equal(600, inventory.StoreBytes);
    }

    [Fact]
    public void A_zero_high_watermark_turns_eviction_for_disk_usage_off()
    {
        Assert.Empty(PlanAll(Inventory(Snapshots(5)), new DiskUsage(100, 100), Defaults with { HighWatermarkPercent = 0 }));
    }

    [Theory]
    [InlineData(0, 90, 70, 10, 100)]
    [InlineData(300, 101, 70, 10, 100)]
    [InlineData(300, 90, 91, 10, 100)]
    [InlineData(300, 90, 70, 0, 100)]
    [InlineData(300, 90, 70, 10, 0)]
    public void Options_no_collector_could_follow_are_refused(int intervalSeconds, int high, int low, int batch, int maxBatches)
    {
        var options = new GcOptions { Interval = TimeSpan.FromSeconds(intervalSeconds), HighWatermarkPercent = high, LowWatermarkPercent = low, BatchSize = batch, MaxBatches = maxBatches };
        var e = Assert.Throws<Snapshotter.Errors.SnapshotterException>(options.Validate);
        Assert.Equal(Snapshotter.Errors.ErrorCode.InvalidArgument, e.Code);
        Assert.StartsWith("gc.", e.Message, StringComparison.Ordinal);
    }
}
