using Microsoft.Data.Sqlite;
using Snapshotter.Catalogs;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Progress;
using Snapshotter.Registry;
using Snapshotter.Tests.Oci;
using Snapshotter.Tests.Support;
using Fault = Snapshotter.Tests.Support.FaultProxy.Fault;

namespace Snapshotter.Tests.Registry;

/// <summary>
/// Snapshot and restore with a registry, across machines: node A snapshots into its RootDir and publishes
/// (content to a shared dir: provider, metadata to the registry); node B, with a RootDir of its own, restores
/// what it has never seen. A snapshot is visible locally only once its push succeeded, a tag holding other
/// files is never overwritten, and what is pulled is checked before anything is recorded.
/// </summary>
public sealed class RegistryEngineTests : IClassFixture<RegistryFixture>, IDisposable
{
    private const long Second = 1_000_000_000;
    private readonly RegistryFixture _registry;
    private readonly TempDirectory _temp = new();
    private readonly List<IDisposable> _owned = [];

    public RegistryEngineTests(RegistryFixture registry)
    {
        _registry = registry;
        BaseDir = _temp.CreateDirectory("base");
    }

    private string BaseDir { get; }

    private string SharedContent => _temp.Combine("shared-content");

    public void Dispose()
    {
        foreach (IDisposable owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _temp.Dispose();
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private string Root(string node) => _temp.Combine("node-" + node);

    private SnapshotEngine Node(string node, string? registryUrl = null, bool withContent = true, TimeProvider? time = null) =>
        Own(SnapshotEngine.Open(new EngineOptions
        {
            RootDir = Root(node),
            ContentDirectory = withContent ? SharedContent : null,
            Registry = new RegistryOptions { Url = registryUrl ?? _registry.Server.Url, Namespace = "fleet", RetryBaseDelay = RegistryTestClient.FastRetries, MaxAttempts = 2 },
            Time = time ?? TimeProvider.System,
        }));

    private sealed record Entry(string Path, bool ReadOnly, uint Mode, long MtimeNs);

    private List<Entry> MakeTree()
    {
        var entries = new List<Entry>
        {
            new("model/weights.bin", true, 0x124, (1_700_000_000 * Second) + 123_456_789),
            new("vm/memory.img", false, 0x180, (1_700_000_001 * Second) + 1),
            new("vm/state.json", false, 0x1A4, 1_600_000_000 * Second),
            new("empty", false, 0x1ED, -1_500_000_001),
        };
        TestFiles.WriteDense(Path.Join(BaseDir, "model/weights.bin"), TestFiles.Pattern(200_001, 1));
        TestFiles.WriteSparse(Path.Join(BaseDir, "vm/memory.img"), 8 << 20, (4096, TestFiles.Pattern(3 * 4096, 2)), (5 << 20, TestFiles.Pattern(1000, 3)));
        TestFiles.WriteDense(Path.Join(BaseDir, "vm/state.json"), "{\"vm\":42}"u8);
        TestFiles.WriteDense(Path.Join(BaseDir, "empty"), []);
        foreach (Entry entry in entries)
        {
            TestFiles.SetMode(Path.Join(BaseDir, entry.Path), entry.Mode);
            TestFiles.SetMtimeNs(Path.Join(BaseDir, entry.Path), entry.MtimeNs);
        }

        return entries;
    }

    private static SnapshotRequest Request(string name, string baseDir, IEnumerable<Entry> entries, Action<ProgressReport>? progress = null) =>
        new() { Name = name, Version = "v1", BaseDir = baseDir, Files = entries.Select(e => new FileSpec(e.Path, e.ReadOnly)).ToList(), Progress = progress };

    private void AssertRestored(List<Entry> entries, string output)
    {
        foreach (Entry entry in entries)
        {
            string source = Path.Join(BaseDir, entry.Path), restored = Path.Join(output, entry.Path);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(restored));
            Assert.Equal(TestFiles.DataExtents(source), TestFiles.DataExtents(restored));
            Assert.Equal(entry.Mode, Inode.Of(restored).Permissions);
            Assert.Equal(entry.MtimeNs, Inode.Of(restored).MtimeNs);
        }
    }

    private RegistryCatalog Catalog() => Own(RegistryTestClient.Open(new RegistryOptions { Url = _registry.Server.Url, Namespace = "fleet" }));

    [Fact]
    public void A_node_restores_a_snapshot_it_has_never_seen_and_records_it_with_its_content()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        Node("a").Snapshot(Request(name, BaseDir, entries));

        string output = _temp.Combine("out");
        OperationStats stats = Node("b").Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = output });

        Assert.Equal(entries.Count, stats.Files);
        AssertRestored(entries, output);
        using (var db = new SqliteConnection($"Data Source={Path.Join(Root("b"), "metadata", "snapshotter.db")}"))
        {
            db.Open();
            using SqliteCommand files = db.CreateCommand();
            files.CommandText = "SELECT count(*) FROM files JOIN snapshots ON snapshots.list_id = files.list_id WHERE snapshots.name = $name AND snapshots.state = 1";
            files.Parameters.AddWithValue("$name", name);
            Assert.Equal((long)entries.Count, files.ExecuteScalar());
            using SqliteCommand content = db.CreateCommand();
            content.CommandText = "SELECT count(*) FROM content WHERE digest IN (SELECT digest FROM files) AND size >= 0 AND encoded_size >= 20";
            Assert.Equal((long)entries.Count, content.ExecuteScalar());
        }

        // Recorded locally: a later restore needs neither the registry nor the content provider.
        using var offline = SnapshotEngine.Open(new EngineOptions
        {
            RootDir = Root("b"),
            Registry = new RegistryOptions { Url = $"http://127.0.0.1:{RegistryServer.FreePort()}", MaxAttempts = 1 },
        });
        offline.Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("again") });
        AssertRestored(entries, _temp.Combine("again"));
    }

    [Fact]
    public void Without_a_content_provider_missing_content_is_not_found_naming_it_and_nothing_is_recorded()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        Node("a").Snapshot(Request(name, BaseDir, entries));
        SnapshotEngine b = Node("b", withContent: false);

        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => b.Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("out") }));

        Assert.Contains("xxh3:", e.Message);
        Assert.Contains("no content provider", e.Message);
        Assert.False(Directory.Exists(_temp.Combine("out")));
        Assert.Null(MetadataStore.Open(Path.Join(Root("b"), "metadata")).FindCommitted(name, "v1"));
    }

    [Fact]
    public void A_reference_pulls_an_exact_version_but_latest_and_times_choose_among_local_snapshots()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        Node("a").Snapshot(Request(name, BaseDir, entries));
        SnapshotEngine b = Node("b");

        Expect.Error(ErrorCode.NotFound, () => b.Restore(new RestoreRequest { Reference = SnapshotReference.Parse($"{name}@latest") }));
        b.Restore(new RestoreRequest { Reference = SnapshotReference.Parse($"{name}:v1"), OutputDir = _temp.Combine("out") });

        AssertRestored(entries, _temp.Combine("out"));
        b.Restore(new RestoreRequest { Reference = SnapshotReference.Parse($"{name}@latest") });
    }

    [Fact]
    public void An_unknown_snapshot_is_not_found_naming_the_registry()
    {
        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => Node("b").Restore(new RestoreRequest { Name = "nosuch", Version = "v1" }));
        Assert.Contains("nosuch:v1", e.Message);
        Assert.Contains(_registry.Server.Url, e.Message);
    }

    [Fact]
    public void The_same_snapshot_from_another_node_is_success_and_other_files_are_refused_before_any_work()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        Node("a").Snapshot(Request(name, BaseDir, entries));
        string tagged = Catalog().Pull(name, "v1", CancellationToken.None)!.ManifestDigest;

        Node("c").Snapshot(Request(name, BaseDir, entries));
        Assert.Equal(tagged, Catalog().Pull(name, "v1", CancellationToken.None)!.ManifestDigest);

        TestFiles.SetMtimeNs(Path.Join(BaseDir, "vm/state.json"), 1_600_000_001 * Second);
        SnapshotEngine d = Node("d");
        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => d.Snapshot(Request(name, BaseDir, entries)));

        Assert.Contains($"{name}:v1", e.Message);
        Assert.Contains("other files", e.Message);
        Assert.Empty(TestFiles.Tree(Path.Join(Root("d"), "storage", "content", "xxh3")));
        Assert.Equal(tagged, Catalog().Pull(name, "v1", CancellationToken.None)!.ManifestDigest);
    }

    [Fact]
    public void A_tag_published_by_someone_else_while_snapshotting_is_found_right_before_pushing()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        SnapshotArtifact theirs = RegistryTestClient.Artifact("theirs");
        int pushed = 0;
        SnapshotEngine a = Node("a", time: new SteppingTimeProvider());

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => a.Snapshot(Request(name, BaseDir, entries, progress: _ =>
        {
            if (Interlocked.Exchange(ref pushed, 1) == 0)
            {
                Catalog().Push(name, "v1", theirs, CancellationToken.None);
            }
        })));

        Assert.Contains("other content", e.Message);
        Assert.Equal(theirs.ManifestDescriptor.Digest, Catalog().Pull(name, "v1", CancellationToken.None)!.ManifestDigest);
        Assert.Null(MetadataStore.Open(Path.Join(Root("a"), "metadata")).FindCommitted(name, "v1"));
    }

    [Fact]
    public void A_failed_push_leaves_no_snapshot_anywhere_and_a_later_one_succeeds()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        using var proxy = new FaultProxy(_registry.Server.Port);
        proxy.Inject("PUT", "/manifests/", new Fault.Respond(500), times: int.MaxValue);
        SnapshotEngine a = Node("a", proxy.Url);

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => a.Snapshot(Request(name, BaseDir, entries)));

        Assert.Contains("HTTP 500", e.Message);
        Assert.Equal(2, proxy.Count("PUT", "/manifests/"));
        Expect.Error(ErrorCode.NotFound, () => a.Restore(new RestoreRequest { Name = name, Version = "v1" }));
        Assert.Null(Catalog().Pull(name, "v1", CancellationToken.None));

        Node("a2").Snapshot(Request(name, BaseDir, entries));
        Assert.NotNull(Catalog().Pull(name, "v1", CancellationToken.None));
    }

    [Fact]
    public void A_snapshot_lying_about_sizes_is_corrupt_and_not_recorded()
    {
        string name = RegistryFixture.UniqueName();
        List<Entry> entries = MakeTree();
        using var publisher = SnapshotEngine.Open(new EngineOptions { RootDir = Root("a"), ContentDirectory = SharedContent });
        publisher.Snapshot(Request(name, BaseDir, entries));
        List<FileRecord> files = MetadataStore.Open(Path.Join(Root("a"), "metadata")).GetFiles(MetadataStore.Open(Path.Join(Root("a"), "metadata")).FindCommitted(name, "v1")!.Id);
        List<FileRecord> lying = files.Select(f => f.RelativePath == "vm/state.json" ? f with { Size = f.Size + 1 } : f).ToList();
        Catalog().Push(name, "v1", SnapshotArtifact.Build(lying), CancellationToken.None);
        SnapshotEngine b = Node("b");

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => b.Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("out") }));

        Assert.Contains("'vm/state.json'", e.Message);
        Assert.False(Directory.Exists(_temp.Combine("out")));
        Assert.Null(MetadataStore.Open(Path.Join(Root("b"), "metadata")).FindCommitted(name, "v1"));
    }

    [Fact]
    public void A_snapshot_escaping_the_output_dir_writes_nothing()
    {
        string name = RegistryFixture.UniqueName();
        (byte[] manifest, byte[] config) = GoForm.Artifact([ArtifactGoldenTests.GoldenFile with { RelativePath = "../outside/evil" }]);
        RegistryCatalog catalog = Catalog();
        Blocking.Run(async () =>
        {
            await catalog.Client.PushBlobAsync(catalog.Repository(name), new BlobDescriptor(OciDigest.Of(config), config.Length), config, CancellationToken.None);
            await catalog.Client.PutManifestAsync(catalog.Repository(name), "v1", manifest, CancellationToken.None);
        });

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Node("b").Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("out", "inner") }));

        Assert.Contains("'..'", e.Message);
        Assert.False(Directory.Exists(_temp.Combine("out")));
    }

    public static TheoryData<string, string> HostileTrees => new()
    {
        { "symlink-then-file", "'link/etc/evil' lies beneath 'link'" },
        { "absolute-link-as-path", "'abs/passwd' lies beneath 'abs'" },
        { "hardlink-outside", "'../../etc/passwd'" },
        { "hardlink-to-symlink", "hardlink 'hl' names 'link'" },
    };

    [Theory]
    [MemberData(nameof(HostileTrees))]
    public void A_hostile_tree_from_the_registry_is_refused_by_name_before_anything_is_recorded_or_written(string kind, string named)
    {
        string name = RegistryFixture.UniqueName();
        FileRecord file = ArtifactGoldenTests.GoldenFile with { RelativePath = "file" };
        FileRecord Link(string path, string target) =>
            new(path, null, false, 0x1FF, 0, 0, 0, file.ModificationTimeNs, 0, EntryType.Symlink, target);
        List<FileRecord> entries = kind switch
        {
            "symlink-then-file" => [Link("link", _temp.Combine("victim")), file with { RelativePath = "link/etc/evil" }],
            "absolute-link-as-path" => [Link("abs", "/etc"), file with { RelativePath = "abs/passwd" }],
            "hardlink-outside" => [file, file with { RelativePath = "hl", Type = EntryType.Hardlink, LinkTarget = "../../etc/passwd" }],
            _ => [Link("link", "file"), file, file with { RelativePath = "hl", Type = EntryType.Hardlink, LinkTarget = "link" }],
        };
        Catalog().Push(name, "v1", SnapshotArtifact.Build(entries), CancellationToken.None);
        SnapshotEngine b = Node("b");

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => b.Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("out") }));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("out")));
        Assert.False(Directory.Exists(_temp.Combine("victim")));
        Assert.Null(MetadataStore.Open(Path.Join(Root("b"), "metadata")).FindCommitted(name, "v1"));
    }

    [Fact]
    public void An_oci_layout_carries_snapshots_between_nodes()
    {
        string layout = "oci:" + _temp.Combine("layout");
        List<Entry> entries = MakeTree();
        Node("a", layout).Snapshot(Request("app", BaseDir, entries));

        Node("b", layout).Restore(new RestoreRequest { Name = "app", Version = "v1", OutputDir = _temp.Combine("out") });

        AssertRestored(entries, _temp.Combine("out"));
        Assert.True(File.Exists(_temp.Combine("layout", "index.json")));
    }
}
