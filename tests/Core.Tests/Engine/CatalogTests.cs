using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Listing, inspecting and deleting local snapshots, and what a delete frees and keeps.</summary>
public sealed class CatalogTests : EngineTestBase
{
    private const long Mtime = 1_700_000_000_123_456_789;
    private readonly ManualClock _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SnapshotEngine _engine;
    private readonly byte[] _shared = TestFiles.Pattern(10_000, 1);
    private readonly byte[] _only1 = TestFiles.Pattern(20_000, 2);
    private readonly byte[] _only2 = TestFiles.Pattern(30_000, 3);

    public CatalogTests()
    {
        _engine = OpenEngine(_clock);
        Source("shared.bin", _shared, mode: 0x124, mtimeNs: Mtime);
        Source("v1/only.bin", _only1, mode: 0x1A4, mtimeNs: Mtime + 1);
        Source("v2/only.bin", _only2, mode: 0x180, mtimeNs: Mtime + 2);
    }

    /// <summary>app:v1 and app:v2 share shared.bin (read-only, so also its stored inode); each has a file of its own.</summary>
    private void SnapshotTwoVersions()
    {
        _engine.Snapshot(SnapshotOf("app", "v1", BaseDir, new FileSpec("shared.bin", true), new FileSpec("v1/only.bin", false)));
        _clock.Now = _clock.Now.AddSeconds(1);
        _engine.Snapshot(SnapshotOf("app", "v2", BaseDir, new FileSpec("shared.bin", true), new FileSpec("v2/only.bin", false)));
    }

    private static long Encoded(int dataBytes) => 20 + 16 + dataBytes;

    [Fact]
    public void List_shows_every_snapshot_ordered_by_name_then_creation_with_sizes()
    {
        SnapshotTwoVersions();
        _clock.Now = _clock.Now.AddSeconds(1);
        _engine.Snapshot(SnapshotOf("aaa", "z", BaseDir, new FileSpec("shared.bin", false)));

        IReadOnlyList<SnapshotInfo> all = _engine.List();

        Assert.Equal(["aaa:z", "app:v1", "app:v2"], all.Select(s => $"{s.Name}:{s.Version}"));
        SnapshotInfo v1 = all[1];
        Assert.Equal(2, v1.Files);
        Assert.Equal(_shared.Length + _only1.Length, v1.Bytes);
        Assert.Equal(Encoded(_shared.Length) + Encoded(_only1.Length), v1.StoredBytes);
        Assert.Equal(ManualClock.Ns(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), v1.CreatedNs);
        Assert.Equal(v1.CreatedNs, v1.LastUsedNs);
        Assert.Equal(v1.CreatedNs + 1_000_000_000, all[2].CreatedNs);
        Assert.Equal(["v1", "v2"], _engine.List("app").Select(s => s.Version));
        Assert.Empty(_engine.List("nothing-here"));
        Assert.Contains("'Bad'", Expect.Error(ErrorCode.InvalidArgument, () => _engine.List("Bad")).Message);
    }

    [Fact]
    public void Inspect_shows_every_recorded_field_and_whether_content_is_local()
    {
        SnapshotTwoVersions();

        SnapshotDetails details = _engine.Inspect(SnapshotReference.Parse("app:v1"));

        Assert.Equal("v1", details.Snapshot.Version);
        Assert.Equal(["shared.bin", "v1/only.bin"], details.Files.Select(f => f.RelativePath));
        SnapshotFileInfo shared = details.Files[0];
        Assert.Equal((10_000L, Mtime, 0x124u, true, true), (shared.Size, shared.ModificationTimeNs, shared.Mode, shared.ReadOnly, shared.ContentLocal));
        Assert.StartsWith("xxh3:", shared.Digest);
        Assert.Equal((Inode.Of(Path.Join(BaseDir, "shared.bin")).Uid, Inode.Of(Path.Join(BaseDir, "shared.bin")).Gid), (shared.Uid, shared.Gid));
        SnapshotFileInfo only = details.Files[1];
        Assert.Equal((20_000L, Mtime + 1, 0x1A4u, false, true), (only.Size, only.ModificationTimeNs, only.Mode, only.ReadOnly, only.ContentLocal));

        File.Delete(ContentPath(only.Digest));
        Assert.False(_engine.Inspect(SnapshotReference.Parse("app:v1")).Files[1].ContentLocal);
    }

    [Fact]
    public void Delete_frees_only_content_no_other_snapshot_references()
    {
        SnapshotTwoVersions();
        SnapshotDetails v1 = _engine.Inspect(SnapshotReference.Parse("app:v1"));
        string sharedDigest = v1.Files[0].Digest, onlyDigest = v1.Files[1].Digest;

        DeleteStats stats = _engine.Delete(SnapshotReference.Parse("app:v1"));

        Assert.Equal(new DeleteStats(Files: 2, ContentFreed: 1, BytesFreed: Encoded(_only1.Length)), stats);
        Assert.False(File.Exists(ContentPath(onlyDigest)));
        Assert.True(File.Exists(ContentPath(sharedDigest)));
        Assert.True(File.Exists(StoredPath(sharedDigest)));
        Assert.Equal(["v2"], _engine.List("app").Select(s => s.Version));
        Assert.Contains("'app:v1' not found", Expect.Error(ErrorCode.NotFound, () => _engine.Delete(SnapshotReference.Parse("app:v1"))).Message);
        Assert.Contains("'app:v1' not found", Expect.Error(ErrorCode.NotFound, () => Restore("app", "v1", Temp.Combine("gone"))).Message);

        string output = Temp.Combine("out");
        _engine.Restore(new RestoreRequest { Reference = SnapshotReference.Parse("app:v2"), OutputDir = output });
        Assert.Equal(_shared, TestFiles.Read(Path.Join(output, "shared.bin")));
        Assert.Equal(_only2, TestFiles.Read(Path.Join(output, "v2/only.bin")));
    }

    [Fact]
    public void Deleting_the_last_user_of_content_removes_it_and_its_stored_inode()
    {
        SnapshotTwoVersions();
        string sharedDigest = _engine.Inspect(SnapshotReference.Parse("app:v1")).Files[0].Digest;
        _engine.Delete(SnapshotReference.Parse("app:v1"));

        DeleteStats stats = _engine.Delete(SnapshotReference.Parse("app@latest"));

        Assert.Equal(2, stats.ContentFreed);
        Assert.False(File.Exists(StoredPath(sharedDigest)));
        Assert.Empty(TestFiles.Tree(ContentDir));
        Assert.Empty(TestFiles.Tree(SnapshotDir));
        Assert.Empty(_engine.List());
        Assert.Equal(_shared, TestFiles.Read(Path.Join(BaseDir, "shared.bin")));
        Assert.Equal(1u, Inode.Of(Path.Join(BaseDir, "shared.bin")).LinkCount);
    }

    [Fact]
    public void The_name_of_a_deleted_snapshot_can_be_used_again()
    {
        SnapshotTwoVersions();
        _engine.Delete(SnapshotReference.Parse("app:v2"));

        _engine.Snapshot(SnapshotOf("app", "v2", BaseDir, new FileSpec("v1/only.bin", false)));

        Assert.Equal(["v1/only.bin"], _engine.Inspect(SnapshotReference.Parse("app:v2")).Files.Select(f => f.RelativePath));
    }

    [Fact]
    public void A_delete_racing_with_a_snapshot_leaves_the_content_the_snapshot_reuses()
    {
        var time = new SteppingTimeProvider();
        SnapshotEngine engine = OpenEngine(time, concurrency: 1);
        engine.Snapshot(SnapshotOf("old", "v1", BaseDir, new FileSpec("shared.bin", false), new FileSpec("v1/only.bin", false)));
        bool deleted = false;
        var request = SnapshotOf("new", "v1", BaseDir, new FileSpec("shared.bin", false), new FileSpec("v2/only.bin", false)) with
        {
            // Once shared.bin is done it has been found in the store and leased: the delete leaves it.
            Progress = report =>
            {
                if (!deleted && report.FilesDone == 1)
                {
                    deleted = true;
                    Assert.Equal(1, engine.Delete(SnapshotReference.Parse("old:v1")).ContentFreed);
                }
            },
        };

        OperationStats stats = engine.Snapshot(request);

        Assert.True(deleted);
        Assert.Equal(_shared.Length + _only2.Length, stats.BytesRead);
        AssertRestores(engine);
    }

    [Fact]
    public void Content_removed_from_under_a_running_snapshot_is_stored_again()
    {
        var time = new SteppingTimeProvider();
        SnapshotEngine engine = OpenEngine(time, concurrency: 1);
        engine.Snapshot(SnapshotOf("old", "v1", BaseDir, new FileSpec("shared.bin", false), new FileSpec("v1/only.bin", false)));
        bool removed = false;
        var request = SnapshotOf("new", "v1", BaseDir, new FileSpec("shared.bin", false), new FileSpec("v2/only.bin", false)) with
        {
            // Something that takes no leases (another tool, a hand) removes the content shared.bin was found as.
            Progress = report =>
            {
                if (!removed && report.FilesDone == 1)
                {
                    removed = true;
                    File.Delete(ContentPath(Spf1Reference.DigestOf(Path.Join(BaseDir, "shared.bin"))));
                }
            },
        };

        OperationStats stats = engine.Snapshot(request);

        Assert.True(removed);
        Assert.Equal((2 * _shared.Length) + _only2.Length, stats.BytesRead);
        AssertRestores(engine);
    }

    private void AssertRestores(SnapshotEngine engine)
    {
        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest { Name = "new", Version = "v1", OutputDir = output });
        Assert.Equal(_shared, TestFiles.Read(Path.Join(output, "shared.bin")));
        Assert.Equal(_only2, TestFiles.Read(Path.Join(output, "v2/only.bin")));
        Assert.Empty(TestFiles.TempFiles(RootDir));
    }
}
