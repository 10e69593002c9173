using System.Text;
using Snapshotter.Errors;
using Snapshotter.Lifecycle;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Lifecycle;

/// <summary>
/// containerd's lifecycle on a real store: prepare, view, mounts (mounted for real, as root), stat, update, walk, usage
/// and remove, and what each refuses without changing anything.
/// </summary>
public sealed class LifecycleTests : EngineTestBase
{
    private LifecycleSnapshots Lifecycle => new(Engine);

    private string LifecycleDir => Path.Join(RootDir, "lifecycle");

    [Fact]
    public void ActiveWithoutParentIsAWritableBindMountOfItsOwnDirectory()
    {
        IReadOnlyList<LifecycleMount> mounts = Lifecycle.Prepare("first", null);

        LifecycleMount mount = Assert.Single(mounts);
        Assert.Equal("bind", mount.Type);
        Assert.Equal(["rw", "rbind"], mount.Options);
        using (var mounted = new MountedSnapshot(mounts, Temp.Combine("mnt")))
        {
            File.WriteAllText(mounted.Path("hello.txt"), "hello\n");
        }

        Assert.Equal("hello\n", File.ReadAllText(Path.Join(mount.Source, "hello.txt")));
        Assert.Equal(Describe(mounts), Describe(Lifecycle.Mounts("first")));
        LifecycleInfo info = Lifecycle.Stat("first");
        Assert.Equal(LifecycleKind.Active, info.Kind);
        Assert.Null(info.Parent);
        Assert.Null(info.SnapshotName);
        LifecycleUsage usage = Lifecycle.Usage("first");
        Assert.Equal(2, usage.Inodes);
        Assert.True(usage.Bytes >= 4096, $"usage {usage.Bytes} bytes");
    }

    [Fact]
    public void ViewWithoutParentIsAReadOnlyEmptyTree()
    {
        IReadOnlyList<LifecycleMount> mounts = Lifecycle.View("empty-view", null);

        Assert.Equal(["ro", "rbind"], Assert.Single(mounts).Options);
        using var mounted = new MountedSnapshot(mounts, Temp.Combine("mnt"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(mounted.Target));
        Assert.ThrowsAny<IOException>(() => File.WriteAllText(mounted.Path("x"), "x"));
        Assert.Equal(LifecycleKind.View, Lifecycle.Stat("empty-view").Kind);
        Assert.Equal(new LifecycleUsage(0, 0), Lifecycle.Usage("empty-view"));
    }

    [Fact]
    public void KeysAreNamesNeverPaths()
    {
        string[] keys = ["k8s.io/3/extract-123 sha256:abc", "../../escape", "sha256:0123", "/", "ü ✓"];
        foreach (string key in keys)
        {
            Lifecycle.Prepare(key, null);
        }

        Assert.Equal(keys.Order(StringComparer.Ordinal), Lifecycle.Walk().Select(i => i.Key));
        Assert.All(Directory.GetFileSystemEntries(LifecycleDir), entry => Assert.True(long.TryParse(Path.GetFileName(entry), out _), entry));
        Assert.False(Directory.Exists(Path.Join(RootDir, "..", "escape")));
    }

    [Fact]
    public void BadInputIsRefusedAndChangesNothing()
    {
        Lifecycle.Prepare("taken", null, new Dictionary<string, string> { ["a"] = "1" });
        LifecycleInfo before = Lifecycle.Stat("taken");
        List<string> entries = [.. Directory.GetFileSystemEntries(LifecycleDir)];

        Expect.Error(ErrorCode.AlreadyExists, () => Lifecycle.Prepare("taken", null));
        Expect.Error(ErrorCode.AlreadyExists, () => Lifecycle.View("taken", null));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Prepare("new", "no-such-parent"));
        SnapshotterException activeParent = Expect.Error(ErrorCode.FailedPrecondition, () => Lifecycle.Prepare("new", "taken"));
        Assert.Contains("'taken'", activeParent.Message);
        Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Prepare("", null));
        var big = new Dictionary<string, string> { ["big"] = new string('x', Labels.MaxTotalBytes) };
        SnapshotterException tooBig = Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Prepare("new", null, big));
        Assert.Contains("4096", tooBig.Message);
        Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Update("taken", big));
        Expect.Error(ErrorCode.InvalidArgument, () => Lifecycle.Update("taken", new Dictionary<string, string>(), ["parent"]));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Update("unknown", new Dictionary<string, string>()));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Mounts("unknown"));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Stat("unknown"));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Usage("unknown"));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Remove("unknown"));

        Assert.Equal(Describe(before), Describe(Lifecycle.Stat("taken")));
        Assert.Equal(entries, Directory.GetFileSystemEntries(LifecycleDir));
        Assert.Equal(["taken"], Lifecycle.Walk().Select(i => i.Key));
    }

    [Fact]
    public void LabelsUpdateAsContainerdUpdatesThem()
    {
        Lifecycle.Prepare("labelled", null, new Dictionary<string, string> { ["l1"] = "v1", ["l2"] = "v2", ["l3"] = "v3", ["empty"] = "" });
        LifecycleInfo created = Lifecycle.Stat("labelled");
        Assert.Equal(new Dictionary<string, string> { ["l1"] = "v1", ["l2"] = "v2", ["l3"] = "v3" }, created.Labels);

        LifecycleInfo some = Lifecycle.Update("labelled", new Dictionary<string, string> { ["l1"] = "updated", ["l4"] = "v4" }, ["labels.l1", "labels.l2"]);
        Assert.Equal(new Dictionary<string, string> { ["l1"] = "updated", ["l3"] = "v3" }, some.Labels);
        Assert.True(some.UpdatedNs >= created.UpdatedNs);
        Assert.Equal(created.CreatedNs, some.CreatedNs);

        LifecycleInfo all = Lifecycle.Update("labelled", new Dictionary<string, string> { ["l4"] = "v4" }, ["labels"]);
        Assert.Equal(new Dictionary<string, string> { ["l4"] = "v4" }, all.Labels);
        Assert.Equal(new Dictionary<string, string> { ["l5"] = "v5" }, Lifecycle.Update("labelled", new Dictionary<string, string> { ["l5"] = "v5" }).Labels);
        Assert.Equal(new Dictionary<string, string> { ["l5"] = "v5" }, Lifecycle.Stat("labelled").Labels);
    }

    [Fact]
    public void WalkKeepsWhatItsFilterAsksFor()
    {
        Lifecycle.Prepare("a1", null, new Dictionary<string, string> { ["team"] = "red" });
        Lifecycle.Prepare("a2", null, new Dictionary<string, string> { ["team"] = "blue" });
        Lifecycle.View("v1", null, new Dictionary<string, string> { ["team"] = "red" });

        Assert.Equal(["a1", "a2", "v1"], Lifecycle.Walk().Select(i => i.Key));
        Assert.Equal(["a1", "a2"], Lifecycle.Walk(new LifecycleFilter { Kind = LifecycleKind.Active }).Select(i => i.Key));
        Assert.Equal(["a1", "v1"], Lifecycle.Walk(new LifecycleFilter { LabelKey = "team", LabelValue = "red" }).Select(i => i.Key));
        Assert.Equal(["a1", "a2", "v1"], Lifecycle.Walk(new LifecycleFilter { LabelKey = "team" }).Select(i => i.Key));
        Assert.Equal(["v1"], Lifecycle.Walk(new LifecycleFilter { Kind = LifecycleKind.View, LabelKey = "team", LabelValue = "red" }).Select(i => i.Key));
        Assert.Empty(Lifecycle.Walk(new LifecycleFilter { Parent = "a1" }));
    }

    [Fact]
    public void RemovingAnActiveFreesItsDirectory()
    {
        IReadOnlyList<LifecycleMount> mounts = Lifecycle.Prepare("scratch", null);
        using (var mounted = new MountedSnapshot(mounts, Temp.Combine("mnt")))
        {
            File.WriteAllBytes(mounted.Path("data.bin"), TestFiles.Pattern(1 << 20, 7));
        }

        Lifecycle.Remove("scratch");

        Assert.False(Directory.Exists(Path.GetDirectoryName(mounts[0].Source)));
        Assert.Empty(Directory.GetFileSystemEntries(LifecycleDir));
        Expect.Error(ErrorCode.NotFound, () => Lifecycle.Stat("scratch"));
        Lifecycle.Prepare("scratch", null);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Lifecycle.Mounts("scratch")[0].Source));
    }

    [Fact]
    public void DirectoriesACrashLeftAreSweptByTheNextRemoval()
    {
        Lifecycle.Prepare("kept", null);
        string leftover = Directory.CreateDirectory(Path.Join(LifecycleDir, "999999", "fs")).Parent!.FullName;
        string setAside = Directory.CreateDirectory(Path.Join(LifecycleDir, ".removed-0123456789abcdef")).FullName;
        File.WriteAllText(Path.Join(leftover, "fs", "f"), "x");
        Lifecycle.Prepare("gone", null);

        Lifecycle.Remove("gone");

        Assert.False(Directory.Exists(leftover));
        Assert.False(Directory.Exists(setAside));
        Assert.Single(Directory.GetFileSystemEntries(LifecycleDir));
        Assert.Equal(LifecycleKind.Active, Lifecycle.Stat("kept").Kind);
    }

    [Fact]
    public void KeysAndLabelsKeepEveryCharacter()
    {
        string key = "k\u00e9y \u2603 " + Encoding.UTF8.GetString([0xF0, 0x9F, 0x98, 0x80]);
        Lifecycle.Prepare(key, null, new Dictionary<string, string> { ["containerd.io/gc.root"] = "2026-12-07T05:00:00Z", ["\u00fc"] = "\u2713" });

        LifecycleInfo info = Lifecycle.Stat(key);

        Assert.Equal(key, info.Key);
        Assert.Equal("\u2713", info.Labels["\u00fc"]);
        Assert.Equal("2026-12-07T05:00:00Z", info.Labels["containerd.io/gc.root"]);
    }

    /// <summary>Mounts as text (records holding lists compare those by reference).</summary>
    internal static string Describe(IEnumerable<LifecycleMount> mounts) =>
        string.Join("\n", mounts.Select(m => $"{m.Type} {m.Source} {string.Join(',', m.Options)}"));

    internal static string Describe(LifecycleInfo info) =>
        $"{info.Key} {info.Kind} parent={info.Parent} {info.CreatedNs} {info.UpdatedNs} {info.SnapshotName}:{info.SnapshotVersion} " +
        string.Join(",", info.Labels.Select(l => $"{l.Key}={l.Value}"));
}
