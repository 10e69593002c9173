using Snapshotter.Engine;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Creation and last-use times (what GC ages snapshots by) come from the engine's TimeProvider.</summary>
public sealed class TimeProviderTests : EngineTestBase
{
    private static long Ns(DateTimeOffset t) => ManualClock.Ns(t);

    [Fact]
    public void Snapshot_and_restore_record_times_from_the_engines_clock()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        SnapshotEngine engine = OpenEngine(clock);
        Source("a.txt", "a"u8.ToArray());
        engine.Snapshot(SnapshotOf("timed", "v1", BaseDir, new FileSpec("a.txt", false)));
        MetadataStore metadata = MetadataStore.Open(Path.Join(RootDir, "metadata"));

        SnapshotRecord created = metadata.FindCommitted("timed", "v1")!;
        Assert.Equal(Ns(clock.Now), created.CreatedNs);
        Assert.Equal(Ns(clock.Now), created.LastUsedNs);

        DateTimeOffset created0 = clock.Now;
        clock.Now = clock.Now.AddHours(5);
        engine.Restore(new RestoreRequest { Name = "timed", Version = "v1", OutputDir = Temp.Combine("out") });
        SnapshotRecord used = metadata.FindCommitted("timed", "v1")!;
        Assert.Equal(Ns(created0), used.CreatedNs);
        Assert.Equal(Ns(clock.Now), used.LastUsedNs);

        clock.Now = clock.Now.AddHours(1);
        engine.Restore(new RestoreRequest { Name = "timed", Version = "v1" });
        Assert.Equal(Ns(clock.Now), metadata.FindCommitted("timed", "v1")!.LastUsedNs);
    }
}
