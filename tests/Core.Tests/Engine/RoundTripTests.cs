using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

public sealed class RoundTripTests : EngineTestBase
{
    private const int Block = TestFiles.BlockBytes;

    private sealed record Entry(string Path, bool ReadOnly, uint Mode, long MtimeNs);

    /// <summary>Read-only and writable, dense, sparse and empty, nested, modes 0600/0644/0755/0444, mtimes to the ns
    /// (one before 1970), and a writable file sharing its content with a read-only one.</summary>
    private List<Entry> MakeMixedTree()
    {
        var entries = new List<Entry>
        {
            new("ro/model.bin", true, 0x124, 1_700_000_000_123_456_789),
            new("ro/memory.sparse", true, 0x124, 1_700_000_001_000_000_001),
            new("ro/empty-ro", true, 0x1A4, 1_600_000_000_999_999_999),
            new("rw/state.json", false, 0x180, 1_700_000_002_987_654_321),
            new("disk.img", false, 0x1A4, 1_700_000_003_000_000_007),
            new("empty", false, 0x1ED, 1_700_000_004_500_000_000),
            new("a/b/c/d/deep.txt", false, 0x1ED, 1_700_000_005_000_000_123),
            new("old.txt", false, 0x1A4, -1_500_000_001),
            new("rw/copy-of-model.bin", false, 0x180, 1_700_000_006_000_000_456),
        };

        byte[] model = TestFiles.Pattern(300_001, 1);
        Source("ro/model.bin", model);
        TestFiles.WriteSparse(Path.Join(BaseDir, "ro/memory.sparse"), 4 << 20, (Block, TestFiles.Pattern(3 * Block, 2)), ((3 << 20) + 17, TestFiles.Pattern(100, 3)));
        Source("ro/empty-ro", []);
        Source("rw/state.json", "{\"state\":1}"u8.ToArray());
        TestFiles.WriteSparse(Path.Join(BaseDir, "disk.img"), (8 << 20) + 5, (0, TestFiles.Pattern(5000, 4)), (4 << 20, TestFiles.Pattern(70_000, 5)), ((8 << 20) + 1, [9, 9, 9, 9]));
        Source("empty", []);
        Source("a/b/c/d/deep.txt", "deep"u8.ToArray());
        Source("old.txt", "from 1969"u8.ToArray());
        Source("rw/copy-of-model.bin", model);

        foreach (Entry entry in entries)
        {
            string path = Path.Join(BaseDir, entry.Path);
            TestFiles.SetMode(path, entry.Mode);
            TestFiles.SetMtimeNs(path, entry.MtimeNs);
        }

        return entries;
    }

    private static FileSpec[] Specs(IEnumerable<Entry> entries) => entries.Select(e => new FileSpec(e.Path, e.ReadOnly)).ToArray();

    [Fact]
    public void A_mixed_tree_comes_back_with_identical_bytes_holes_modes_and_mtimes()
    {
        List<Entry> entries = MakeMixedTree();
        var digests = entries.ToDictionary(e => e.Path, e => Spf1Reference.DigestOf(Path.Join(BaseDir, e.Path)));
        var sourceInodes = entries.ToDictionary(e => e.Path, e => Inode.Of(Path.Join(BaseDir, e.Path)));

        OperationStats snapshot = Snapshot("mixed", "v1", Specs(entries));
        Assert.Equal(entries.Count, snapshot.Files);

        string output = Temp.Combine("out");
        OperationStats restore = Restore("mixed", "v1", output);
        Assert.Equal(entries.Count, restore.Files);

        foreach (Entry entry in entries)
        {
            string source = Path.Join(BaseDir, entry.Path);
            string restored = Path.Join(output, entry.Path);
            Inode inode = Inode.Of(restored);

            Assert.True(inode.IsRegularFile, entry.Path);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(restored));
            Assert.Equal(TestFiles.DataExtents(source), TestFiles.DataExtents(restored));
            Assert.Equal(entry.Mode, inode.Permissions);
            Assert.Equal(entry.MtimeNs, inode.MtimeNs);
            Assert.Equal(sourceInodes[entry.Path].Uid, inode.Uid);
            Assert.Equal(sourceInodes[entry.Path].Gid, inode.Gid);

            if (entry.ReadOnly)
            {
                Assert.True(inode.IsSameAs(Inode.Of(StoredPath(digests[entry.Path]))), $"{entry.Path} is not a hardlink of storage/snapshot/xxh3/<hex>");
            }
            else
            {
                Assert.Equal(1u, inode.LinkCount);
                Assert.False(inode.IsSameAs(sourceInodes[entry.Path]), entry.Path);
            }

            Assert.True(File.Exists(ContentPath(digests[entry.Path])), $"content of {entry.Path} is not stored as storage/content/xxh3/<hex>");
        }

        // Exactly the snapshot's files (and the directories holding them), nothing else.
        List<string> expected = entries.Select(e => e.Path)
            .Concat(["ro", "rw", "a", "a/b", "a/b/c", "a/b/c/d"])
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, TestFiles.Tree(output));
        Assert.Empty(TestFiles.TempFiles(RootDir));

        // Restoring touched none of the sources.
        foreach (Entry entry in entries)
        {
            Inode now = Inode.Of(Path.Join(BaseDir, entry.Path));
            Assert.Equal(entry.Mode, now.Permissions);
            Assert.Equal(entry.MtimeNs, now.MtimeNs);
        }
    }

    [Fact]
    public void Read_only_sources_are_captured_by_hardlink_and_writable_ones_by_copy()
    {
        List<Entry> entries = MakeMixedTree();
        Snapshot("mixed", "v1", Specs(entries));

        foreach (Entry entry in entries.Where(e => e.ReadOnly))
        {
            string source = Path.Join(BaseDir, entry.Path);
            Assert.True(Inode.Of(source).IsSameAs(Inode.Of(StoredPath(Spf1Reference.DigestOf(source)))), entry.Path);
        }

        foreach (Entry entry in entries.Where(e => !e.ReadOnly))
        {
            Assert.Equal(1u, Inode.Of(Path.Join(BaseDir, entry.Path)).LinkCount);
        }

        Assert.Equal(entries.Where(e => e.ReadOnly).Select(e => Spf1Reference.HexOf(Path.Join(BaseDir, e.Path))).Order(StringComparer.Ordinal), TestFiles.Tree(SnapshotDir));
        Assert.Equal(entries.Select(e => Spf1Reference.HexOf(Path.Join(BaseDir, e.Path))).Distinct().Order(StringComparer.Ordinal), TestFiles.Tree(ContentDir));
    }

    [Fact]
    public void A_second_engine_on_the_same_root_restores_what_the_first_snapshotted()
    {
        List<Entry> entries = MakeMixedTree();
        Snapshot("mixed", "v1", Specs(entries));
        Engine.Dispose();

        using SnapshotEngine reopened = SnapshotEngine.Open(new EngineOptions { RootDir = RootDir });
        string output = Temp.Combine("out");
        reopened.Restore(new RestoreRequest { Name = "mixed", Version = "v1", OutputDir = output });

        foreach (Entry entry in entries)
        {
            Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, entry.Path)), File.ReadAllBytes(Path.Join(output, entry.Path)));
            Assert.Equal(entry.MtimeNs, Inode.Of(Path.Join(output, entry.Path)).MtimeNs);
        }
    }

    [Fact]
    public void Many_small_files_in_nested_directories_round_trip()
    {
        const int Count = 600;
        var files = new List<FileSpec>();
        for (int i = 0; i < Count; i++)
        {
            string path = $"d{i % 7}/e{i % 13}/f{i:D4}.txt";
            Source(path, TestFiles.Pattern(1 + (i * 37 % 5000), i), mode: (uint)(i % 2 == 0 ? 0x1A4 : 0x180), mtimeNs: 1_700_000_000_000_000_000 + i);
            files.Add(new FileSpec(path, i % 3 == 0));
        }

        Assert.Equal(Count, Snapshot("many", "v1", [.. files]).Files);
        string output = Temp.Combine("out");
        Assert.Equal(Count, Restore("many", "v1", output).Files);

        foreach (FileSpec file in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, file.RelativePath)), File.ReadAllBytes(Path.Join(output, file.RelativePath)));
            Inode source = Inode.Of(Path.Join(BaseDir, file.RelativePath));
            Inode restored = Inode.Of(Path.Join(output, file.RelativePath));
            Assert.Equal(source.Permissions, restored.Permissions);
            Assert.Equal(source.MtimeNs, restored.MtimeNs);
        }

        Assert.Equal(Count, TestFiles.Tree(output).Count(p => p.EndsWith(".txt", StringComparison.Ordinal)));
    }

    [Fact]
    public void Unusual_file_names_round_trip()
    {
        string[] names = ["ünïcödé/файл.txt", "with space/and\nnewline.txt", "-leading-dash", ".hidden/.file", "x/..y/z..", "emoji/😀.bin"];
        for (int i = 0; i < names.Length; i++)
        {
            Source(names[i], TestFiles.Pattern(100 + i, i));
        }

        Snapshot("names", "v1", [.. names.Select(n => new FileSpec(n, false))]);
        string output = Temp.Combine("out");
        Restore("names", "v1", output);

        foreach (string name in names)
        {
            Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, name)), File.ReadAllBytes(Path.Join(output, name)));
        }
    }

    [Fact]
    public void Owners_are_recorded_and_restored_when_running_as_root()
    {
        if (Native.GetEuid() != 0)
        {
            return; // Only root may give files away; the suite runs as root in CI.
        }

        string rw = Source("rw.bin", TestFiles.Pattern(1000, 1), mtimeNs: 1_700_000_000_000_000_001);
        string ro = Source("ro.bin", TestFiles.Pattern(1000, 2), mtimeNs: 1_700_000_000_000_000_002);
        TestFiles.SetOwner(rw, 1234, 5678);
        TestFiles.SetOwner(ro, 4321, 8765);
        Snapshot("owners", "v1", new FileSpec("rw.bin", false), new FileSpec("ro.bin", true));

        // The stored inode is recreated from content: it must carry the recorded owner to be linked.
        File.Delete(StoredPath(Spf1Reference.DigestOf(ro)));
        string output = Temp.Combine("out");
        OperationStats stats = Restore("owners", "v1", output);

        Inode restoredRw = Inode.Of(Path.Join(output, "rw.bin"));
        Inode restoredRo = Inode.Of(Path.Join(output, "ro.bin"));
        Assert.Equal((1234u, 5678u), (restoredRw.Uid, restoredRw.Gid));
        Assert.Equal((4321u, 8765u), (restoredRo.Uid, restoredRo.Gid));
        Assert.True(restoredRo.IsSameAs(Inode.Of(StoredPath(Spf1Reference.DigestOf(ro)))));
        Assert.Equal(1, stats.FilesLinked);
        Assert.Equal(1_700_000_000_000_000_002, restoredRo.MtimeNs);
    }

    [Fact]
    public void A_terabyte_sparse_file_round_trips_without_reading_its_holes()
    {
        const long Size = 1L << 40;
        string source = TestFiles.WriteSparse(
            Path.Join(BaseDir, "huge.img"),
            Size,
            (0, TestFiles.Pattern(100, 1)),
            (Size / 2, TestFiles.Pattern(5000, 2)),
            (Size - 10, TestFiles.Pattern(10, 3)));
        TestFiles.SetMtimeNs(source, 1_700_000_000_000_000_003);

        OperationStats snapshot = Snapshot("huge", "v1", new FileSpec("huge.img", false));
        Assert.Equal(Size, snapshot.Bytes);
        Assert.Equal(4 * Block, snapshot.BytesRead); // 1 block at the start, 5000 bytes over 2 in the middle, 1 at the end

        string output = Temp.Combine("out");
        Restore("huge", "v1", output);
        string restored = Path.Join(output, "huge.img");

        Assert.Equal(Size, new FileInfo(restored).Length);
        Assert.Equal(TestFiles.DataExtents(source), TestFiles.DataExtents(restored));
        Assert.InRange(Inode.Of(restored).AllocatedBytes, 4 * Block, 64 * Block);
        using var a = new FileStream(source, FileMode.Open, FileAccess.Read);
        using var b = new FileStream(restored, FileMode.Open, FileAccess.Read);
        foreach ((long offset, long length) in TestFiles.DataExtents(source))
        {
            var x = new byte[length];
            var y = new byte[length];
            a.Position = offset;
            a.ReadExactly(x);
            b.Position = offset;
            b.ReadExactly(y);
            Assert.Equal(x, y);
        }

        Assert.Equal(1_700_000_000_000_000_003, Inode.Of(restored).MtimeNs);
    }

    [Fact]
    public void A_snapshot_of_no_files_is_refused_unless_asked_for()
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Snapshot("nothing", "v1"));
        Assert.Contains("no files", e.Message, StringComparison.Ordinal);
        Assert.Empty(Engine.List());
    }

    [Fact]
    public void A_snapshot_of_an_empty_base_dir_is_refused_unless_asked_for()
    {
        string empty = Temp.Combine("empty");
        Directory.CreateDirectory(empty);

        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Engine.Snapshot(SnapshotOf("nothing", "v1", empty, new FileSpec(".", false))));
        Assert.Contains("no files beneath the paths given", e.Message, StringComparison.Ordinal);
        Assert.Empty(Engine.List());

        Assert.Equal(0, Engine.Snapshot(SnapshotOf("nothing", "v1", empty, new FileSpec(".", false)) with { AllowEmpty = true }).Files);
    }

    [Fact]
    public void A_snapshot_of_no_files_asked_for_restores_to_an_empty_directory()
    {
        OperationStats stats = Engine.Snapshot(SnapshotOf("nothing", "v1", BaseDir) with { AllowEmpty = true });
        Assert.Equal(0, stats.Files);
        string output = Temp.Combine("out");
        Assert.Equal(0, Restore("nothing", "v1", output).Files);
        Assert.Empty(TestFiles.Tree(output));
    }
}
