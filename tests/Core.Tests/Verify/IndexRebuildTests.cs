using Microsoft.Data.Sqlite;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.Tests.Support;
using Snapshotter.Verify;

namespace Snapshotter.Tests.Verify;

/// <summary>
/// The metadata database is an index the store can rebuild: with it lost or corrupt the store lists nothing, collects
/// nothing and says so, and verify with repair brings every snapshot back, each restoring byte for byte.
/// </summary>
public sealed class IndexRebuildTests : EngineTestBase
{
    private static readonly GcOptions EagerGc = new() { Background = false, MinRetention = TimeSpan.Zero, OrphanGracePeriod = TimeSpan.Zero };
    private readonly Dictionary<string, byte[]> _files = new()
    {
        ["model.bin"] = TestFiles.Pattern(300_000, 71),
        ["state.bin"] = TestFiles.Pattern(200_000, 72),
        ["state2.bin"] = TestFiles.Pattern(100_000, 73),
        ["other.bin"] = TestFiles.Pattern(50_000, 74),
    };

    private SnapshotEngine Open() => OpenEngine(new EngineOptions { RootDir = RootDir, Gc = EagerGc });

    private List<(string Name, string Version, long CreatedNs)> SnapshotThree(SnapshotEngine engine)
    {
        foreach ((string path, byte[] bytes) in _files)
        {
            Source(path, bytes, mode: path == "model.bin" ? 0x124u : 0x1A4u);
        }

        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", true), new FileSpec("state.bin", false)));
        engine.Snapshot(SnapshotOf("vm", "v2", BaseDir, new FileSpec("model.bin", true), new FileSpec("state2.bin", false)));
        engine.Snapshot(SnapshotOf("other", "v1", BaseDir, new FileSpec("other.bin", false)));
        return Listed(engine);
    }

    private static List<(string, string, long)> Listed(SnapshotEngine engine) =>
        engine.List().Select(s => (s.Name, s.Version, s.CreatedNs)).ToList();

    private void Close()
    {
        DisposeEngines();
        SqliteConnection.ClearAllPools();
    }

    private string Database => Path.Join(RootDir, "metadata", "snapshotter.db");

    private void DeleteDatabase()
    {
        foreach (string file in Directory.EnumerateFiles(Path.Join(RootDir, "metadata"), "snapshotter.db*"))
        {
            File.Delete(file);
        }
    }

    private void RestoresExactly(SnapshotEngine engine, string name, string version, params string[] paths)
    {
        string output = Temp.Combine($"out-{name}-{version}");
        engine.Restore(new RestoreRequest { Name = name, Version = version, OutputDir = output });
        foreach (string path in paths)
        {
            Assert.Equal(_files[path], File.ReadAllBytes(Path.Join(output, path)));
        }
    }

    private void StaleIndexIsReportedCollectsNothingAndRepairBringsEverythingBack(SnapshotEngine engine, List<(string, string, long)> before)
    {
        List<string> store = StoreListing();
        Assert.Empty(engine.List());

        SnapshotterException refused = Expect.Error(ErrorCode.Corrupt, () => engine.Collect(dryRun: false));
        Assert.Contains("verify with repair", refused.Message, StringComparison.Ordinal);
        Assert.Equal(store, StoreListing());

        VerifyProblem stale = Assert.Single(engine.Verify(new VerifyRequest()).Problems);
        Assert.Equal((VerifyProblemKind.CorruptMetadata, false), (stale.Kind, stale.Repaired));
        Assert.Contains("index is stale", stale.Message, StringComparison.Ordinal);
        Assert.Contains("3 snapshot(s)", stale.Message, StringComparison.Ordinal);

        VerifyReport repaired = engine.Verify(new VerifyRequest { Repair = true });

        Assert.Equal(0, repaired.Unrepaired);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.CorruptMetadata && p.Repaired && p.Message.Contains("3 snapshot(s) rebuilt", StringComparison.Ordinal));
        Assert.Equal(before, Listed(engine));
        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
        GcReport collected = engine.Collect(dryRun: false);
        Assert.Equal(0, collected.OrphanContent);
        RestoresExactly(engine, "vm", "v1", "model.bin", "state.bin");
        RestoresExactly(engine, "vm", "v2", "model.bin", "state2.bin");
        RestoresExactly(engine, "other", "v1", "other.bin");
    }

    [Fact]
    public void A_deleted_database_is_rebuilt_from_the_store()
    {
        List<(string, string, long)> before = SnapshotThree(Open());
        Close();
        DeleteDatabase();

        StaleIndexIsReportedCollectsNothingAndRepairBringsEverythingBack(Open(), before);
    }

    [Fact]
    public void A_corrupt_database_is_moved_aside_and_rebuilt_from_the_store()
    {
        List<(string, string, long)> before = SnapshotThree(Open());
        Close();
        DeleteDatabase();
        File.WriteAllBytes(Database, TestFiles.Pattern(64 << 10, 75));

        StaleIndexIsReportedCollectsNothingAndRepairBringsEverythingBack(Open(), before);
        Assert.Single(Directory.EnumerateFiles(Path.Join(RootDir, "metadata"), "snapshotter.db.corrupt-*"));
    }

    [Fact]
    public void A_database_older_than_the_store_is_stale_too()
    {
        SnapshotEngine engine = Open();
        Source("other.bin", _files["other.bin"]);
        engine.Snapshot(SnapshotOf("other", "v1", BaseDir, new FileSpec("other.bin", false)));
        Close();
        string backup = Temp.Combine("backup.db");
        File.Copy(Database, backup);
        engine = Open();
        Source("model.bin", _files["model.bin"]);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", false)));
        List<(string, string, long)> before = Listed(engine);
        Close();
        DeleteDatabase();
        File.Copy(backup, Database);

        engine = Open();
        Assert.Single(engine.List());
        Expect.Error(ErrorCode.Corrupt, () => engine.Collect(dryRun: false));
        Assert.Equal(0, engine.Verify(new VerifyRequest { Repair = true }).Unrepaired);
        Assert.Equal(before, Listed(engine));
        RestoresExactly(engine, "vm", "v1", "model.bin");
    }

    [Fact]
    public void A_deleted_snapshot_stays_deleted_and_a_store_made_before_records_gets_them_at_open()
    {
        SnapshotEngine engine = Open();
        List<(string Name, string Version, long CreatedNs)> before = SnapshotThree(engine);
        engine.Delete(SnapshotReference.Parse("vm:v1"));
        Close();
        // As a store written before recovery records existed: its first open writes them.
        Directory.Delete(Path.Join(RootDir, "storage", "recovery"), recursive: true);
        Open();
        Close();
        DeleteDatabase();

        engine = Open();
        Assert.Equal(0, engine.Verify(new VerifyRequest { Repair = true }).Unrepaired);

        Assert.Equal(before.Where(s => s.Name != "vm" || s.Version != "v1"), Listed(engine));
        RestoresExactly(engine, "vm", "v2", "model.bin", "state2.bin");
    }

    [Fact]
    public void A_temporary_record_of_a_dead_handle_is_no_record_and_the_collector_removes_it_within_the_grace_period()
    {
        SnapshotEngine engine = OpenEngine(new EngineOptions { RootDir = RootDir, Gc = new GcOptions { Background = false } });
        SnapshotThree(engine);
        string recovery = Path.Join(RootDir, "storage", "recovery");
        string dead = TestFiles.WriteDense(Path.Join(recovery, ".record-00000000deadbeef-0123456789abcdef"), [1, 2, 3]);
        string foreign = TestFiles.WriteDense(Path.Join(recovery, ".record-0123456789abcdef"), [1, 2, 3]);

        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
        engine.Collect(dryRun: false);

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(foreign), "a temporary record without an owner token went before the grace period passed");
        Assert.Equal(4, Directory.EnumerateFiles(recovery).Count());
    }
}
