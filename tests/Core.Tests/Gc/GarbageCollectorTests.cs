using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.Tests.Support;
using Snapshotter.Verify;

namespace Snapshotter.Tests.Gc;

/// <summary>Collections of a real store: what goes, what stays, and that running operations are never harmed.</summary>
public sealed class GarbageCollectorTests : GcTestBase
{
    private const string DeadToken = "00000000deadbeef";

    private void PlantOrphans()
    {
        File.WriteAllBytes(Path.Join(ContentDir, $".content-{DeadToken}-0123456789abcdef"), new byte[100]);
        Directory.CreateDirectory(Path.Join(ContentDir, $".download-{DeadToken}-0123456789abcdef"));
        File.WriteAllBytes(Path.Join(ContentDir, ".content-123456789"), new byte[50]);
        File.WriteAllBytes(Path.Join(ContentDir, "abc123"), new byte[70]);
        File.WriteAllBytes(Path.Join(SnapshotDir, "abc124"), new byte[30]);
    }

    [Fact]
    public void A_dry_run_reports_exactly_what_the_real_run_then_does()
    {
        SnapshotEngine engine = OpenGc(Manual with { BatchSize = 4, KeepLastVersions = 3 });
        Source("shared.bin", TestFiles.Pattern(5000, 7));
        for (int i = 1; i <= 6; i++)
        {
            SnapshotDistinct(engine, "keep", $"v{i}");
        }

        for (int i = 1; i <= 12; i++)
        {
            string file = $"own-{i}.bin";
            Source(file, TestFiles.Pattern(1000 + i, i));
            engine.Snapshot(SnapshotOf("lru", $"v{i}", BaseDir, new FileSpec(file, false), new FileSpec("shared.bin", false)));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        PlantOrphans();
        Clock.Advance(TimeSpan.FromHours(1));

        // Content is 80 % of the disk and the disk 95 % full: getting below 70 % takes several batches.
        FillDiskTo(95, totalBytes: (long)(Disk.Measure().UsedBytes / 0.8));

        GcReport plan = engine.Collect(dryRun: true);
        List<string> storeAfterPlan = StoreListing();
        GcReport done = engine.Collect(dryRun: false);

        Assert.True(plan.DryRun);
        Assert.False(done.DryRun);
        Assert.Equal(plan.Evicted, done.Evicted);
        Assert.Equal(plan with { DryRun = false, Evicted = done.Evicted }, done);
        Assert.Contains(plan.Evicted, e => e.Reason == EvictionReason.KeepLast);
        Assert.Contains(plan.Evicted, e => e.Reason == EvictionReason.DiskUsage);
        Assert.True(plan.Batches > 1);
        Assert.Equal(3, plan.OrphanTempFiles);
        Assert.Equal(1, plan.OrphanContent);
        Assert.Equal(1, plan.OrphanSnapshotFiles);
        Assert.True(Disk.Measure().UsedPercent < 70);
        Assert.NotEqual(storeAfterPlan, StoreListing());

        GcReport again = engine.Collect(dryRun: true);
        Assert.Empty(again.Evicted);
        Assert.Equal(0, again.OrphanTempFiles + again.OrphanContent + again.OrphanSnapshotFiles + again.OrphanRecords);
        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
    }

    [Fact]
    public void Eviction_removes_a_snapshot_and_the_content_only_it_referenced()
    {
        SnapshotEngine engine = OpenGc(Manual with { KeepLastVersions = 1 });
        Source("shared.bin", TestFiles.Pattern(3000, 1));
        Source("old.bin", TestFiles.Pattern(2000, 2));
        Source("new.bin", TestFiles.Pattern(2500, 3));
        engine.Snapshot(SnapshotOf("app", "v1", BaseDir, new FileSpec("shared.bin", true), new FileSpec("old.bin", false)));
        engine.Snapshot(SnapshotOf("app", "v2", BaseDir, new FileSpec("shared.bin", true), new FileSpec("new.bin", false)));

        GcReport report = engine.Collect(dryRun: false);

        EvictedSnapshot evicted = Assert.Single(report.Evicted);
        Assert.Equal(("app", "v1", EvictionReason.KeepLast, 1L), (evicted.Name, evicted.Version, evicted.Reason, evicted.ContentRemoved));
        Assert.False(File.Exists(ContentPath(Spf1Reference.DigestOf(Path.Join(BaseDir, "old.bin")))));
        Assert.True(File.Exists(ContentPath(Spf1Reference.DigestOf(Path.Join(BaseDir, "shared.bin")))));
        Assert.True(File.Exists(StoredPath(Spf1Reference.DigestOf(Path.Join(BaseDir, "shared.bin")))));
        Assert.False(Exists(engine, "app", "v1"));
        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest { Name = "app", Version = "v2", OutputDir = output });
        Assert.Equal(TestFiles.Pattern(2500, 3), File.ReadAllBytes(Path.Join(output, "new.bin")));
        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
    }

    [Fact]
    public void A_restore_in_progress_pins_its_snapshot_against_a_collection_in_another_handle()
    {
        var evictAll = Manual with { HighWatermarkPercent = 1, LowWatermarkPercent = 0 };
        SnapshotEngine engine = OpenGc(evictAll);
        SnapshotEngine other = OpenGc(evictAll);
        TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), 8L << 20, seed: 4);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("big.img", false)));
        FillDiskTo(50, 100L << 20);
        GcReport? during = null;

        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest
        {
            Name = "vm",
            Version = "v1",
            OutputDir = output,
            Progress = p => during ??= other.Collect(dryRun: false),
        });

        Assert.NotNull(during);
        Assert.Empty(during.Evicted);
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "big.img")), File.ReadAllBytes(Path.Join(output, "big.img")));
        Assert.Single(other.Collect(dryRun: false).Evicted);
    }

    [Fact]
    public void Content_a_running_snapshot_found_already_stored_survives_the_eviction_of_its_last_owner()
    {
        var evictAll = Manual with { HighWatermarkPercent = 1, LowWatermarkPercent = 0 };
        SnapshotEngine engine = OpenEngine(new EngineOptions { RootDir = RootDir, Time = Clock, Gc = evictAll, DiskUsage = Disk, Concurrency = 1 });
        SnapshotEngine collector = OpenGc(evictAll);
        byte[] shared = TestFiles.Pattern(100_000, 5);
        Source("shared.bin", shared);
        TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), 8L << 20, seed: 6);
        engine.Snapshot(SnapshotOf("old", "v1", BaseDir, new FileSpec("shared.bin", false)));
        FillDiskTo(50, 100L << 20);
        GcReport? during = null;

        // One worker: shared.bin (found stored) is done before big.img starts; collect while big.img is read.
        engine.Snapshot(SnapshotOf("new", "v1", BaseDir, new FileSpec("shared.bin", false), new FileSpec("big.img", false)) with
        {
            Progress = p => during ??= p.BytesDone > shared.Length ? collector.Collect(dryRun: false) : null,
        });

        Assert.NotNull(during);
        Assert.Equal("old", Assert.Single(during.Evicted).Name);
        Assert.Equal(0, during.ContentRemoved);
        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest { Name = "new", Version = "v1", OutputDir = output });
        Assert.Equal(shared, File.ReadAllBytes(Path.Join(output, "shared.bin")));
        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
    }

    [Fact]
    public void Young_orphans_and_the_temporary_files_of_live_owners_are_left_alone()
    {
        SnapshotEngine engine = OpenGc(Manual);
        SnapshotDistinct(engine, "a", "v1");
        string liveTemp = Path.Join(ContentDir, $".content-{OwnerToken()}-0123456789abcdef");
        File.WriteAllBytes(liveTemp, [1]);
        string foreignTemp = Path.Join(ContentDir, ".content-987654321");
        File.WriteAllBytes(foreignTemp, [2]);
        string orphan = Path.Join(ContentDir, "abc123");
        File.WriteAllBytes(orphan, [3]);

        GcReport report = engine.Collect(dryRun: false);

        Assert.Equal(0, report.OrphanTempFiles + report.OrphanContent);
        Assert.True(File.Exists(liveTemp) && File.Exists(foreignTemp) && File.Exists(orphan));
        Clock.Advance(TimeSpan.FromMinutes(11));
        report = engine.Collect(dryRun: false);
        Assert.Equal((1, 1), (report.OrphanTempFiles, report.OrphanContent));
        Assert.True(File.Exists(liveTemp));
        Assert.False(File.Exists(foreignTemp) || File.Exists(orphan));
        Assert.True(Exists(engine, "a", "v1"));
    }

    [Fact]
    public void The_background_collector_runs_every_interval_and_stops_with_the_engine()
    {
        SnapshotEngine engine = OpenGc(Manual with { Background = true, Interval = TimeSpan.FromMinutes(1), KeepLastVersions = 1 });
        SnapshotDistinct(engine, "app", "v1");
        SnapshotDistinct(engine, "app", "v2");
        Assert.Equal(0, engine.BackgroundRuns);

        for (int i = 0; i < 1000 && engine.BackgroundRuns == 0; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            Thread.Sleep(10);
        }

        Assert.True(engine.BackgroundRuns > 0, "the background collector never ran");
        Assert.Null(engine.LastBackgroundError);
        Assert.Equal("v1", Assert.Single(engine.LastBackgroundReport!.Evicted).Version);
        engine.Dispose();
        long runs = engine.BackgroundRuns;
        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(runs, engine.BackgroundRuns);
        Expect.Error(ErrorCode.Closed, () => engine.Collect(dryRun: true));
    }

    [Fact]
    public void A_killed_handles_pending_snapshot_and_leases_are_dropped_as_orphan_records()
    {
        SnapshotEngine engine = OpenGc(Manual);
        var metadata = Snapshotter.Metadata.MetadataStore.Open(Path.Join(RootDir, "metadata"));
        metadata.InsertPending("dead", "v1", 1, DeadToken, _ => true);
        long lease = metadata.CreateLease(DeadToken, "restore x:v1", 1);
        metadata.PinContent(lease, [new Snapshotter.Hashing.Digest(0x42)]);

        GcReport plan = engine.Collect(dryRun: true);
        GcReport done = engine.Collect(dryRun: false);

        Assert.Equal(2, plan.OrphanRecords);
        Assert.Equal(2, done.OrphanRecords);
        Assert.Equal(0, engine.Collect(dryRun: false).OrphanRecords);
    }

    /// <summary>The token of the only engine open on the root.</summary>
    private string OwnerToken() => Path.GetFileNameWithoutExtension(Directory.EnumerateFiles(Path.Join(RootDir, "metadata", "owners")).Single());
}
