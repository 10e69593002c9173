using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.Lifecycle;
using Snapshotter.Tests.Support;
using Snapshotter.Verify;

namespace Snapshotter.Tests.Lifecycle;

/// <summary>
/// Commits of real overlay mounts (as root): what a commit records (changed files, whiteouts, opaque directories over
/// the parent's files), parents and branches, the committed snapshot as a snapshot of the store, and what commit and
/// remove refuse.
/// </summary>
public sealed class LifecycleCommitTests : EngineTestBase
{
    private LifecycleSnapshots Lifecycle => new(Engine);

    private int _mounts;

    /// <summary>Prepares <paramref name="key"/> over <paramref name="parent"/>, lets <paramref name="change"/> work in
    /// its mounted tree, unmounts it and commits it as <paramref name="name"/>.</summary>
    private OperationStats PrepareChangeCommit(string key, string? parent, string name, Action<string> change)
    {
        IReadOnlyList<LifecycleMount> mounts = Lifecycle.Prepare(key, parent);
        using (var mounted = new MountedSnapshot(mounts, Temp.Combine($"mnt{_mounts++}")))
        {
            change(mounted.Target);
        }

        return Lifecycle.Commit(name, key);
    }

    /// <summary>The regular files a view of <paramref name="key"/> shows, with their contents.</summary>
    private Dictionary<string, string> ViewFiles(string key)
    {
        string view = $"view of {key} {_mounts}";
        try
        {
            using var mounted = new MountedSnapshot(Lifecycle.View(view, key), Temp.Combine($"mnt{_mounts++}"));
            return RegularFiles(mounted.Target);
        }
        finally
        {
            Lifecycle.Remove(view);
        }
    }

    private static Dictionary<string, string> RegularFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(p => File.ResolveLinkTarget(p, false) is null)
            .ToDictionary(p => Path.GetRelativePath(directory, p), File.ReadAllText, StringComparer.Ordinal);

    /// <summary>The regular files the store's snapshot of <paramref name="key"/> restores, with their contents.</summary>
    private Dictionary<string, string> RestoredFiles(string key) => RegularFiles(Restore(key));

    /// <summary>Restores the store's snapshot of <paramref name="key"/> into a new directory, returned.</summary>
    private string Restore(string key)
    {
        LifecycleInfo info = Lifecycle.Stat(key);
        string output = Temp.Combine($"restored{_mounts++}");
        Engine.Restore(new RestoreRequest { Name = info.SnapshotName!, Version = info.SnapshotVersion!, OutputDir = output });
        return output;
    }

    private static void Write(string root, string relative, string text)
    {
        string path = Path.Join(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void BranchesFromOneParentKeepThatParent()
    {
        PrepareChangeCommit("a0", null, "P0", root =>
        {
            Write(root, "keep.txt", "keep");
            Write(root, "change.txt", "old");
            Write(root, "gone.txt", "gone");
            Write(root, "dir/inner.txt", "inner");
        });
        PrepareChangeCommit("a", "P0", "P1", root =>
        {
            Write(root, "change.txt", "new");
            File.Delete(Path.Join(root, "gone.txt"));
            Write(root, "added.txt", "added");
        });
        PrepareChangeCommit("b", "P0", "P2", root => Write(root, "b-only.txt", "b"));

        Assert.Equal("P0", Lifecycle.Stat("P1").Parent);
        Assert.Equal("P0", Lifecycle.Stat("P2").Parent);
        Assert.Null(Lifecycle.Stat("P0").Parent);
        Assert.All(["P0", "P1", "P2"], key => Assert.Equal(LifecycleKind.Committed, Lifecycle.Stat(key).Kind));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Stat("a"));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Stat("b"));
        Assert.Equal(["P1", "P2"], Lifecycle.Walk(new LifecycleFilter { Parent = "P0" }).Select(i => i.Key));

        var p1 = new Dictionary<string, string> { ["keep.txt"] = "keep", ["change.txt"] = "new", ["added.txt"] = "added", ["dir/inner.txt"] = "inner" };
        var p2 = new Dictionary<string, string> { ["keep.txt"] = "keep", ["change.txt"] = "old", ["gone.txt"] = "gone", ["dir/inner.txt"] = "inner", ["b-only.txt"] = "b" };
        Assert.Equal(p1, ViewFiles("P1"));
        Assert.Equal(p2, ViewFiles("P2"));
        Assert.Equal(p1, RestoredFiles("P1"));
        Assert.Equal(p2, RestoredFiles("P2"));
    }

    [Fact]
    public void OpaqueDirectoriesAndReplacedDirectoriesHideTheParentsFiles()
    {
        PrepareChangeCommit("base-work", null, "base", root =>
        {
            Write(root, "opaque/old.txt", "old");
            Write(root, "replaced/file.txt", "file");
            Write(root, "deep/a/b/c.txt", "c");
        });
        PrepareChangeCommit("top-work", "base", "top", root =>
        {
            Directory.Delete(Path.Join(root, "opaque"), recursive: true);
            Write(root, "opaque/new.txt", "new");
            Directory.Delete(Path.Join(root, "replaced"), recursive: true);
            File.WriteAllText(Path.Join(root, "replaced"), "now a file");
            Directory.Delete(Path.Join(root, "deep", "a"), recursive: true);
        });

        var expected = new Dictionary<string, string> { ["opaque/new.txt"] = "new", ["replaced"] = "now a file" };
        Assert.Equal(expected, ViewFiles("top"));
        Assert.Equal(expected, RestoredFiles("top"));
    }

    [Fact]
    public void ReservedNamesStayInTheLayerOnlyAndNamesThatAreNotUtf8AreRecordedByteForByte()
    {
        PrepareChangeCommit("odd-work", null, "odd", root =>
        {
            Write(root, "plain.txt", "plain");
            Write(root, ".snapshotter-reserved", "reserved");
            Tool.Run("bash", "-c", "d=\"$1/$(printf 'dir\\377')\"; mkdir \"$d\" && echo x >\"$d/inner.txt\" && echo y >\"$1/$(printf 'file\\376')\"", "bash", root);
        });

        string restored = Restore("odd");
        Assert.Equal("plain", File.ReadAllText(Path.Join(restored, "plain.txt")));
        Assert.False(File.Exists(Path.Join(restored, ".snapshotter-reserved")));
        Assert.Equal("x\ny\n", Tool.Run("bash", "-c", "cat \"$1/$(printf 'dir\\377')/inner.txt\" \"$1/$(printf 'file\\376')\"", "bash", restored));
        string layer = Assert.Single(Lifecycle.View("odd-view", "odd")).Source;
        Assert.Equal(4, Tool.Run("find", layer, "-type", "f").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        Lifecycle.Remove("odd-view");
        Lifecycle.Remove("odd");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(RootDir, "lifecycle")));
    }

    [Fact]
    public void CommitStoresOnlyWhatChangedAndContentOnce()
    {
        byte[] big = TestFiles.Pattern(4 << 20, 3);
        OperationStats first = PrepareChangeCommit("first", null, "L1", root =>
        {
            File.WriteAllBytes(Path.Join(root, "big.bin"), big);
            Write(root, "small.txt", "small");
        });
        int stored = Directory.GetFiles(ContentDir).Length;

        OperationStats second = PrepareChangeCommit("second", "L1", "L2", root => Write(root, "small.txt", "changed"));
        OperationStats third = PrepareChangeCommit("third", null, "L3", root => File.WriteAllBytes(Path.Join(root, "copy.bin"), big));

        Assert.Equal(2, first.Files);
        Assert.Equal(1, second.Files);
        Assert.True(second.BytesRead < 100, $"the second commit read {second.BytesRead} bytes");
        Assert.Equal(stored + 1, Directory.GetFiles(ContentDir).Length);
        Assert.Equal(1, third.FilesReused);
        Assert.Equal(stored + 1, Directory.GetFiles(ContentDir).Length);
        Assert.Equal(big, File.ReadAllBytes(Path.Join(Restore("L2"), "big.bin")));
    }

    [Fact]
    public void ACommittedSnapshotIsASnapshotOfTheStoreThatGoesWithItsRemoval()
    {
        PrepareChangeCommit("work", null, "named", root => Write(root, "f.txt", "content"));
        LifecycleInfo info = Lifecycle.Stat("named");
        Assert.Equal(LifecycleSnapshots.DefaultSnapshotName, info.SnapshotName);

        SnapshotInfo listed = Assert.Single(Engine.List(LifecycleSnapshots.DefaultSnapshotName));
        Assert.Equal(info.SnapshotVersion, listed.Version);
        Assert.Equal(1, listed.Files);
        SnapshotterException refused = Expect.Error(ErrorCode.FailedPrecondition, () => Engine.Delete(SnapshotReference.Exact(info.SnapshotName, info.SnapshotVersion)));
        Assert.Contains("'named'", refused.Message);
        Assert.False(Engine.Collect(dryRun: false).Evicted.Any());

        Lifecycle.Remove("named");

        Assert.Empty(Engine.List(LifecycleSnapshots.DefaultSnapshotName));
        Assert.Empty(Directory.GetFiles(ContentDir));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(RootDir, "lifecycle")));
    }

    [Fact]
    public void TheCollectorEvictsOtherSnapshotsButNeverALifecycleLayer()
    {
        SnapshotEngine engine = OpenEngine(new EngineOptions
        {
            RootDir = RootDir,
            Gc = new GcOptions { Background = false, HighWatermarkPercent = 1, LowWatermarkPercent = 0, MinRetention = TimeSpan.Zero, OrphanGracePeriod = TimeSpan.Zero },
        });
        var lifecycle = new LifecycleSnapshots(engine);
        IReadOnlyList<LifecycleMount> mounts = lifecycle.Prepare("work", null);
        File.WriteAllText(Path.Join(mounts[0].Source, "layer.txt"), "layer");
        lifecycle.Commit("layer", "work");
        lifecycle.Prepare("child", "layer");
        Source("plain.txt", TestFiles.Pattern(1000, 5));
        engine.Snapshot(SnapshotOf("plain", "v1", BaseDir, new FileSpec("plain.txt", false)));

        GcReport report = engine.Collect(dryRun: false);

        Assert.Equal(["plain"], report.Evicted.Select(e => e.Name));
        LifecycleInfo layer = lifecycle.Stat("layer");
        Assert.Equal(layer.SnapshotVersion, Assert.Single(engine.List()).Version);
        Assert.Single(Directory.GetFiles(ContentDir));
        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
    }

    [Fact]
    public void ConcurrentCommitsOfOneActiveFromTwoHandles_ExactlyOneWins()
    {
        var handles = new[] { new LifecycleSnapshots(OpenEngine()), new LifecycleSnapshots(OpenEngine()) };
        IReadOnlyList<LifecycleMount> mounts = handles[0].Prepare("contended", null);
        File.WriteAllBytes(Path.Join(mounts[0].Source, "data.bin"), TestFiles.Pattern(1 << 20, 9));
        var outcomes = new ErrorCode[2];

        Parallel.For(0, 2, i =>
        {
            try
            {
                handles[i].Commit($"winner-{i}", "contended");
                outcomes[i] = ErrorCode.Ok;
            }
            catch (SnapshotterException e)
            {
                outcomes[i] = e.Code;
            }
        });

        Assert.Single(outcomes, ErrorCode.Ok);
        // The loser finds the store snapshot being recorded (ALREADY_EXISTS), or the active gone (committed: NOT_FOUND
        // or FAILED_PRECONDITION), depending on how far the winner got.
        Assert.All(outcomes.Where(o => o != ErrorCode.Ok), o => Assert.Contains(o, new[] { ErrorCode.AlreadyExists, ErrorCode.FailedPrecondition, ErrorCode.NotFound }));
        LifecycleInfo winner = Assert.Single(Lifecycle.Walk());
        Assert.Equal(LifecycleKind.Committed, winner.Kind);
        Assert.Equal(winner.SnapshotVersion, Assert.Single(Engine.List()).Version);
        Assert.Equal(TestFiles.Pattern(1 << 20, 9), File.ReadAllBytes(Path.Join(Restore(winner.Key), "data.bin")));
    }

    [Fact]
    public void ConcurrentPreparesOfOneKey_ExactlyOneWins()
    {
        var handles = new[] { new LifecycleSnapshots(OpenEngine()), new LifecycleSnapshots(OpenEngine()) };
        var outcomes = new ErrorCode[2];

        Parallel.For(0, 2, i =>
        {
            try
            {
                handles[i].Prepare("same key", null);
                outcomes[i] = ErrorCode.Ok;
            }
            catch (SnapshotterException e)
            {
                outcomes[i] = e.Code;
            }
        });

        Assert.Equal([ErrorCode.Ok, ErrorCode.AlreadyExists], outcomes.Order());
        Assert.Single(Directory.GetFileSystemEntries(Path.Join(RootDir, "lifecycle")));
    }

    [Fact]
    public void CommitUnderAChosenSnapshotName()
    {
        IReadOnlyList<LifecycleMount> mounts = Lifecycle.Prepare("work", null);
        File.WriteAllText(Path.Join(mounts[0].Source, "f.txt"), "x");

        Lifecycle.Commit("done", "work", new Dictionary<string, string> { ["stage"] = "final" }, "rootfs", "v1");

        LifecycleInfo info = Lifecycle.Stat("done");
        Assert.Equal(("rootfs", "v1"), (info.SnapshotName, info.SnapshotVersion));
        Assert.Equal("final", info.Labels["stage"]);
        Assert.Single(Engine.List("rootfs"));
    }

    [Fact]
    public void BadCommitsAndRemovalsAreRefusedAndChangeNothing()
    {
        PrepareChangeCommit("p", null, "parent", root => Write(root, "f.txt", "f"));
        Lifecycle.Prepare("child", "parent");
        Lifecycle.View("a-view", "parent");
        Lifecycle.Prepare("other", null);
        var before = Lifecycle.Walk().Select(LifecycleTests.Describe).ToList();
        var snapshots = Engine.List().Select(s => $"{s.Name}:{s.Version}").ToList();

        Expect.Error(ErrorCode.FailedPrecondition, () => Lifecycle.Commit("x", "a-view"));
        Expect.Error(ErrorCode.FailedPrecondition, () => Lifecycle.Commit("x", "parent"));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Commit("x", "unknown"));
        Expect.Error(ErrorCode.AlreadyExists, () => Lifecycle.Commit("parent", "other"));
        Expect.Error(ErrorCode.AlreadyExists, () => Lifecycle.Commit("a-view", "other"));
        Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Commit("", "other"));
        Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Commit("x", "other", new Dictionary<string, string> { ["l"] = new string('v', 5000) }));
        Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Commit("x", "other", snapshotName: "Not A Name"));
        SnapshotterException parent = Expect.Error(ErrorCode.FailedPrecondition, () => Lifecycle.Remove("parent"));
        Assert.Contains("child", parent.Message);
        Expect.Error(ErrorCode.FailedPrecondition, () => Lifecycle.Prepare("x", "a-view"));
        Expect.Error(ErrorCode.FailedPrecondition, () => Lifecycle.Mounts("parent"));

        Assert.Equal(before, Lifecycle.Walk().Select(LifecycleTests.Describe));
        Assert.Equal(snapshots, Engine.List().Select(s => $"{s.Name}:{s.Version}"));
        Lifecycle.Commit("x", "other");
        Assert.Equal(LifecycleKind.Committed, Lifecycle.Stat("x").Kind);
    }
}
