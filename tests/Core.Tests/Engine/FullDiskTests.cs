using Microsoft.Data.Sqlite;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// A store on a real 8 MiB tmpfs, filled up: what already is stored can still be snapshotted, a snapshot that
/// needs space it cannot get fails with NO_SPACE and leaves nothing behind, and delete and collection work on a
/// filesystem 100 % full and free its space.
/// </summary>
public sealed class FullDiskTests : EngineTestBase
{
    private const int TmpfsMiB = 8;
    private readonly SmallTmpfs _tmpfs;
    private readonly byte[] _stored = TestFiles.Pattern(2_500_000, 51);

    public FullDiskTests()
    {
        _tmpfs = new SmallTmpfs(RootDir, TmpfsMiB);
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            DisposeEngines();
        }
        finally
        {
            _tmpfs.Dispose();
            base.Dispose(disposing);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Content_already_stored_is_snapshotted_with_less_free_space_than_the_file_needs(bool readOnly)
    {
        Source("first/model.bin", _stored);
        Snapshot("model", "v1", new FileSpec("first/model.bin", readOnly));
        Source("second/model.bin", _stored);
        _tmpfs.Fill(leaveFreeBytes: 1_500_000);

        Snapshot("model", "v2", new FileSpec("second/model.bin", readOnly));

        Assert.Empty(TestFiles.TempFiles(RootDir));
        string output = Temp.Combine("out");
        Restore("model", "v2", output);
        Assert.Equal(_stored, File.ReadAllBytes(Path.Join(output, "second/model.bin")));
    }

    [Fact]
    public void New_content_that_does_not_fit_fails_with_no_space_and_leaves_nothing_behind()
    {
        Source("model.bin", _stored);
        Snapshot("model", "v1", new FileSpec("model.bin", false));
        Source("new.bin", TestFiles.Pattern(2_500_000, 52));
        _tmpfs.Fill(leaveFreeBytes: 1_500_000);
        List<string> before = StoreListing();

        Expect.Error(ErrorCode.NoSpace, () => Snapshot("model", "v2", new FileSpec("model.bin", false), new FileSpec("new.bin", false)));

        Assert.Equal(before, StoreListing());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Equal(["v1"], Engine.List("model").Select(s => s.Version));
        Assert.Empty(Engine.Verify(new Snapshotter.Verify.VerifyRequest()).Problems);
    }

    [Fact]
    public void An_import_of_content_already_stored_needs_no_room_for_a_copy()
    {
        Source("model.bin", _stored);
        Snapshot("model", "v1", new FileSpec("model.bin", false));
        string exported = Temp.Combine("exported");
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("model:v1"), OutputDir = exported });
        _tmpfs.Fill(leaveFreeBytes: 1_500_000);

        Engine.Import(new ImportRequest { InputDir = exported, Name = "model", Version = "imported" });

        Assert.Empty(TestFiles.TempFiles(RootDir));
        string output = Temp.Combine("out");
        Restore("model", "imported", output);
        Assert.Equal(_stored, File.ReadAllBytes(Path.Join(output, "model.bin")));
    }

    [Fact]
    public void Delete_and_collection_work_on_a_full_disk_and_free_space()
    {
        var gc = new GcOptions { Background = false, HighWatermarkPercent = 0, MinRetention = TimeSpan.Zero, MaxStoreBytes = 2_000_000 };
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = new EngineOptions { RootDir = RootDir, Time = time, Gc = gc };
        SnapshotEngine engine = OpenEngine(options);
        var files = new Dictionary<string, byte[]>();
        foreach ((string name, int seed) in new[] { ("a", 61), ("b", 62), ("c", 63), ("d", 64) })
        {
            files[name] = TestFiles.Pattern(1_500_000, seed);
            Source($"{name}.bin", files[name]);
            engine.Snapshot(SnapshotOf(name, "v1", BaseDir, new FileSpec($"{name}.bin", false)));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // A handle open while the disk fills up deletes.
        _tmpfs.Fill();
        Assert.Equal(0, _tmpfs.FreeBytes);
        engine.Delete(SnapshotReference.Parse("a:v1"));
        Assert.True(_tmpfs.FreeBytes >= 1_000_000, $"delete freed only {_tmpfs.FreeBytes} bytes");

        // So does one opened on a full disk (as a new process would: no SQLite file of it open yet).
        _tmpfs.Fill();
        DisposeEngines();
        SqliteConnection.ClearAllPools();
        engine = OpenEngine(options);
        engine.Delete(SnapshotReference.Parse("b:v1"));
        Assert.True(_tmpfs.FreeBytes >= 1_000_000, $"delete freed only {_tmpfs.FreeBytes} bytes");

        // And a collection evicts for max_store_bytes.
        _tmpfs.Fill();
        DisposeEngines();
        SqliteConnection.ClearAllPools();
        engine = OpenEngine(options);
        GcReport report = engine.Collect(dryRun: false);
        Assert.Equal(["c:v1"], report.Evicted.Select(e => $"{e.Name}:{e.Version}"));
        Assert.True(_tmpfs.FreeBytes >= 1_000_000, $"collection freed only {_tmpfs.FreeBytes} bytes");

        Assert.Equal(["d"], engine.List().Select(s => s.Name));
        Assert.Empty(engine.Verify(new Snapshotter.Verify.VerifyRequest()).Problems);
        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest { Name = "d", Version = "v1", OutputDir = output });
        Assert.Equal(files["d"], File.ReadAllBytes(Path.Join(output, "d.bin")));
    }
}
