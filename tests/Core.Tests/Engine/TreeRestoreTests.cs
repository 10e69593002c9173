using Snapshotter.Catalogs;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// Restoring every entry type a snapshot records: directories (empty ones, restrictive and special modes, mtimes set
/// after their content), symlinks (recreated, never written through), hardlink groups (one inode, writable or
/// read-only), FIFOs, devices (as root; refused or left out otherwise), xattrs and setuid bits; fresh and in place over
/// a tree whose entries changed type. The snapshots are published to an OCI layout by one node, with the entries
/// written as records, and restored by another that pulls them, as a snapshot from a registry would be.
/// </summary>
public sealed class TreeRestoreTests : EngineTestBase
{
    private const long Second = 1_000_000_000;
    private static readonly bool IsRoot = Native.GetEuid() == 0;
    private readonly SnapshotEngine _publisher;
    private readonly SnapshotEngine _node;
    private readonly OciLayoutCatalog _layout;
    private readonly Dictionary<string, FileRecord> _content = new(StringComparer.Ordinal);

    public TreeRestoreTests()
    {
        string shared = Temp.Combine("shared-content");
        var registry = new RegistryOptions { Url = "oci:" + Temp.Combine("layout"), Namespace = "fleet" };
        _publisher = OpenEngine(new EngineOptions { RootDir = Temp.Combine("publisher"), ContentDirectory = shared });
        _node = OpenEngine(new EngineOptions { RootDir = Temp.Combine("node"), ContentDirectory = shared, Registry = registry });
        _layout = new OciLayoutCatalog(Temp.Combine("layout"), "fleet");

        // The content every tree below uses, stored once by the publisher.
        Source("dir/file.txt", "file"u8.ToArray());
        Source("locked/inner.txt", "inner"u8.ToArray());
        Source("ro.bin", TestFiles.Pattern(10_000, 1), mode: 0x124);
        Source("suid", "#!/bin/sh\n"u8.ToArray(), mode: 0x1ED);
        Source("other.txt", "other"u8.ToArray());
        _publisher.Snapshot(SnapshotOf("content", "v1", BaseDir,
            new FileSpec("dir/file.txt", false), new FileSpec("locked/inner.txt", false), new FileSpec("ro.bin", true), new FileSpec("suid", false), new FileSpec("other.txt", false)));
        MetadataStore metadata = MetadataStore.Open(Path.Join(Temp.Combine("publisher"), "metadata"));
        foreach (FileRecord file in metadata.GetFiles(metadata.FindCommitted("content", "v1")!.Id))
        {
            _content[file.RelativePath] = file;
        }
    }

    protected override void Dispose(bool disposing)
    {
        _layout.Dispose();
        base.Dispose(disposing);
    }

    private string Output => Temp.Combine("out");

    private static FileRecord Entry(string path, EntryType type, uint mode, long mtimeNs, string? target = null, uint major = 0, uint minor = 0, ExtendedAttributes? xattrs = null) =>
        new(path, null, false, mode, IsRoot ? 1234u : 0, IsRoot ? 5678u : 0, 0, mtimeNs, 0, type, target, major, minor, xattrs);

    private FileRecord Regular(string path, uint mode, long mtimeNs, bool readOnly = false, ExtendedAttributes? xattrs = null, string? source = null) =>
        _content[source ?? path] with { RelativePath = path, Mode = mode, ModificationTimeNs = mtimeNs, ReadOnly = readOnly, Xattrs = xattrs, Uid = IsRoot ? 1234u : 0, Gid = IsRoot ? 5678u : 0 };

    private FileRecord Hardlink(string path, FileRecord file) =>
        file with { RelativePath = path, Type = EntryType.Hardlink, LinkTarget = file.RelativePath };

    private static ExtendedAttributes Xattrs(params (string Name, byte[] Value)[] entries) =>
        new(entries.Select(e => new KeyValuePair<string, byte[]>(e.Name, e.Value)));

    /// <summary>A tree of every type; devices only when <paramref name="withDevice"/>.</summary>
    private List<FileRecord> Tree(bool withDevice)
    {
        FileRecord file = Regular("dir/file.txt", 0x1A4, (1_700_000_000 * Second) + 1, xattrs: Xattrs(("user.origin", "test"u8.ToArray())));
        FileRecord ro = Regular("ro.bin", 0x124, (1_700_000_001 * Second) + 2, readOnly: true);
        List<FileRecord> tree =
        [
            Entry("dir", EntryType.Directory, 0x1C0, (1_600_000_000 * Second) + 3, xattrs: Xattrs(("user.dir", [1, 2]))),
            file,
            Hardlink("dir/file-again", file),
            Entry("dir/link", EntryType.Symlink, 0x1FF, (1_600_000_001 * Second) + 4, "../ro.bin"),
            Entry("dangling", EntryType.Symlink, 0x1FF, (1_600_000_002 * Second) + 5, "/nonexistent/target"),
            Entry("empty", EntryType.Directory, 0x3FF | 0x200, (1_500_000_000 * Second) + 6),
            Entry("locked", EntryType.Directory, 0x140, (1_500_000_001 * Second) + 7),
            Regular("locked/inner.txt", 0x1A4, 1_400_000_000 * Second),
            ro,
            Hardlink("ro-again", ro),
            Regular("suid", 0x9ED, 1_400_000_001 * Second),
            Entry("sgid", EntryType.Directory, 0x5ED, 1_400_000_002 * Second),
            Entry("fifo", EntryType.Fifo, 0x1A0, (1_400_000_003 * Second) + 8),
        ];
        if (withDevice)
        {
            tree.Add(Entry("null", EntryType.CharacterDevice, 0x1B6, 1_400_000_004 * Second, major: 1, minor: 3));
        }

        return tree;
    }

    private void Publish(string version, IEnumerable<FileRecord> entries) =>
        _layout.Push("tree", version, SnapshotArtifact.Build(entries), CancellationToken.None);

    private OperationStats RestoreTree(string version, bool inPlace = false, bool overwrite = false, bool skipDevices = false, bool deleteExtra = false) =>
        _node.Restore(new RestoreRequest { Name = "tree", Version = version, OutputDir = Output, InPlace = inPlace, Overwrite = overwrite, SkipDevices = skipDevices, DeleteExtra = deleteExtra });

    /// <summary>Every entry on disk as recorded: type, mode, owner (as root), mtime, link target, content, xattrs.</summary>
    private void AssertTree(IEnumerable<FileRecord> entries)
    {
        foreach (FileRecord entry in entries)
        {
            string path = Path.Join(Output, entry.RelativePath);
            Inode inode = Inode.Of(path);
            uint type = entry.Type switch
            {
                EntryType.Regular or EntryType.Hardlink => 0x8000,
                EntryType.Directory => 0x4000,
                EntryType.Symlink => 0xA000,
                EntryType.Fifo => 0x1000,
                EntryType.CharacterDevice => 0x2000,
                _ => 0x6000,
            };
            Assert.True(type == (inode.Mode & 0xF000), $"{entry.RelativePath}: type {inode.Mode & 0xF000:x}, expected {type:x}");
            Assert.True(entry.ModificationTimeNs == inode.MtimeNs, $"{entry.RelativePath}: mtime {inode.MtimeNs}, expected {entry.ModificationTimeNs}");
            if (entry.Type != EntryType.Symlink)
            {
                Assert.True(entry.Mode == (inode.Mode & 0xFFF), $"{entry.RelativePath}: mode {Convert.ToString(inode.Mode & 0xFFF, 8)}, expected {Convert.ToString(entry.Mode, 8)}");
            }
            else
            {
                Assert.Equal(entry.LinkTarget, new FileInfo(path).LinkTarget);
            }

            if (IsRoot)
            {
                Assert.Equal((entry.Uid, entry.Gid), (inode.Uid, inode.Gid));
            }

            if (entry.HasContent)
            {
                FileRecord source = _content.Values.Single(c => c.Digest == entry.Digest);
                Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, source.RelativePath)), File.ReadAllBytes(path));
            }

            foreach ((string name, byte[] value) in entry.Xattrs?.Entries ?? [])
            {
                Assert.Equal(value, TestFiles.GetXattr(path, name) ?? [0xFF]);
            }
        }

        Assert.Empty(TestFiles.TempFiles(Output));
        Assert.False(File.Exists(Path.Join(Output, ".snapshotter-incomplete-restore")));
    }

    [Fact]
    public void Every_entry_type_comes_back_as_recorded()
    {
        List<FileRecord> tree = Tree(withDevice: IsRoot);
        Publish("v1", tree);

        RestoreTree("v1");

        AssertTree(tree);
        Assert.True(Inode.Of(Path.Join(Output, "dir/file.txt")).IsSameAs(Inode.Of(Path.Join(Output, "dir/file-again"))));
        Assert.True(Inode.Of(Path.Join(Output, "ro.bin")).IsSameAs(Inode.Of(Path.Join(Output, "ro-again"))));
        Assert.Equal(2u, Inode.Of(Path.Join(Output, "dir/file.txt")).LinkCount);
        Assert.Empty(TestFiles.Tree(Path.Join(Output, "empty")));
        Assert.Equal(["inner.txt"], TestFiles.Tree(Path.Join(Output, "locked")));
        Assert.Equal(TestFiles.Pattern(10_000, 1), File.ReadAllBytes(Path.Join(Output, "dir/link")));
        Assert.Null(TestFiles.GetXattr(Path.Join(Output, "ro.bin"), "user.origin"));
        if (IsRoot)
        {
            Assert.Equal("character special file 1 3", Tool.Run("stat", "-c", "%F %Hr %Lr", Path.Join(Output, "null")).Trim());
        }
    }

    [Fact]
    public void A_tree_restored_again_in_place_is_left_alone()
    {
        List<FileRecord> tree = Tree(withDevice: IsRoot);
        Publish("v1", tree);
        RestoreTree("v1");
        Dictionary<string, Inode> before = tree.ToDictionary(e => e.RelativePath, e => Inode.Of(Path.Join(Output, e.RelativePath)));

        OperationStats stats = RestoreTree("v1", inPlace: true, deleteExtra: true);

        Assert.Equal(0, stats.FilesRemoved);
        Assert.Equal(0, stats.BytesWritten);
        foreach (FileRecord entry in tree)
        {
            Inode after = Inode.Of(Path.Join(Output, entry.RelativePath));
            Assert.True(before[entry.RelativePath] == after, $"{entry.RelativePath} was touched: {before[entry.RelativePath]} then {after}");
        }

        AssertTree(tree);
    }

    [Fact]
    public void In_place_each_entry_that_changed_type_is_replaced_and_nothing_is_written_through_a_link()
    {
        List<FileRecord> v1 = Tree(withDevice: false);
        Publish("v1", v1);
        RestoreTree("v1");
        string outside = Temp.CreateDirectory("outside");
        string victim = TestFiles.WriteDense(Path.Join(outside, "victim"), [7]);

        // v2: the file is a directory, the directory "locked" a symlink leading out, the symlink a file, the FIFO a
        // symlink, the empty directory a FIFO; a new hardlink group joins a file that stays.
        FileRecord other = Regular("other.txt", 0x1A4, 1_300_000_000 * Second);
        List<FileRecord> v2 =
        [
            Entry("dir", EntryType.Directory, 0x1ED, 1_300_000_001 * Second),
            Entry("dir/file.txt", EntryType.Directory, 0x1ED, 1_300_000_002 * Second),
            Regular("dir/file.txt/inside", 0x1A4, 1_300_000_003 * Second, source: "other.txt"),
            Regular("dir/link", 0x180, 1_300_000_004 * Second, source: "ro.bin"),
            Entry("locked", EntryType.Symlink, 0x1FF, 1_300_000_005 * Second, outside),
            Entry("fifo", EntryType.Symlink, 0x1FF, 1_300_000_006 * Second, victim),
            Entry("empty", EntryType.Fifo, 0x180, 1_300_000_007 * Second),
            other,
            Hardlink("dir/other-again", other),
            Regular("suid", 0x9ED, 1_400_000_001 * Second),
        ];
        Publish("v2", v2);

        Expect.Error(ErrorCode.AlreadyExists, () => RestoreTree("v2"));
        RestoreTree("v2", inPlace: true, deleteExtra: true);

        AssertTree(v2);
        Assert.Equal(["victim"], TestFiles.Tree(outside));
        Assert.Equal([7], File.ReadAllBytes(victim));
        Assert.True(Inode.Of(Path.Join(Output, "other.txt")).IsSameAs(Inode.Of(Path.Join(Output, "dir/other-again"))));
        List<string> expected = ["dir", "dir/file.txt", "dir/file.txt/inside", "dir/link", "dir/other-again", "empty", "fifo", "locked", "other.txt", "suid"];
        // TestFiles.Tree lists what "locked" leads to as well: it is the link to the outside dir.
        Assert.Equal(expected, TestFiles.Tree(Output).Where(p => !p.StartsWith("locked/", StringComparison.Ordinal)));
        Assert.True(Inode.Of(Path.Join(Output, "locked")).IsSymlink);

        // And back: the links are replaced by what v1 has there, never followed.
        RestoreTree("v1", inPlace: true, deleteExtra: true);

        AssertTree(Tree(withDevice: false));
        Assert.Equal(["victim"], TestFiles.Tree(outside));
    }

    [Fact]
    public void In_place_with_delete_extra_keeps_entries_whose_names_are_not_UTF8()
    {
        string directory = PathEncoding.FromBytes([(byte)'d', (byte)'i', (byte)'r', (byte)'-', 0xC3, (byte)'(']);
        string file = directory + "/" + PathEncoding.FromBytes([(byte)'c', (byte)'a', (byte)'f', 0xE9]);
        List<FileRecord> tree =
        [
            Entry(directory, EntryType.Directory, 0x1ED, 1_600_000_000 * Second),
            Regular(file, 0x1A4, 1_600_000_001 * Second, source: "other.txt"),
        ];
        Publish("v1", tree);
        RestoreTree("v1");

        OperationStats stats = RestoreTree("v1", inPlace: true, deleteExtra: true);

        Assert.Equal(0, stats.FilesRemoved);
        string listing = Tool.Run("ls", "-bR", Output);
        Assert.Contains("dir-\\303(:", listing);
        Assert.Contains("caf\\351", listing);
    }

    [Fact]
    public void Devices_need_root_or_are_left_out_when_asked()
    {
        FileRecord device = Entry("dev/null", EntryType.CharacterDevice, 0x1B6, Second, major: 1, minor: 3);
        List<FileRecord> tree = [Entry("dev", EntryType.Directory, 0x1ED, 2 * Second), device, Regular("dir/file.txt", 0x1A4, 3 * Second)];
        Publish("v1", tree);

        if (!IsRoot)
        {
            SnapshotterException e = Expect.Error(ErrorCode.PermissionDenied, () => RestoreTree("v1"));
            Assert.Contains("'dev/null'", e.Message, StringComparison.Ordinal);
            Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
            Assert.Empty(TestFiles.Tree(Output));
        }

        RestoreTree("v1", skipDevices: true);

        Assert.Equal(["dev", "dir", "dir/file.txt"], TestFiles.Tree(Output));
        AssertTree(tree.Where(e => e != device));
    }

    [Fact]
    public void A_partial_restore_of_one_path_of_a_hardlink_group_gets_its_content()
    {
        FileRecord file = Regular("dir/file.txt", 0x1A4, Second);
        Publish("v1", [Entry("dir", EntryType.Directory, 0x1ED, Second), file, Hardlink("again", file)]);

        _node.Restore(new RestoreRequest { Name = "tree", Version = "v1", OutputDir = Output, Only = ["again"] });

        Assert.Equal(["again"], TestFiles.Tree(Output));
        Assert.Equal("file"u8.ToArray(), File.ReadAllBytes(Path.Join(Output, "again")));
    }

    [Theory]
    [InlineData("link", "/", "link/etc/evil")]
    [InlineData("link", "../..", "link/evil")]
    [InlineData("file.txt", null, "file.txt/evil")]
    public void An_entry_beneath_one_that_is_not_a_directory_is_refused_by_name_and_nothing_is_written(string above, string? target, string below)
    {
        FileRecord blocker = target is null ? Regular(above, 0x1A4, Second, source: "other.txt") : Entry(above, EntryType.Symlink, 0x1FF, Second, target);
        Publish("v1", [blocker, Regular(below, 0x1A4, Second, source: "other.txt")]);

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => RestoreTree("v1"));

        Assert.Contains($"'{below}' lies beneath '{above}'", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
        Assert.Empty(_node.List());
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("/etc/passwd")]
    [InlineData("missing.txt")]
    [InlineData("link")]
    public void A_hardlink_to_anything_but_a_regular_file_of_the_snapshot_is_refused_by_name(string target)
    {
        Publish("v1", [Entry("link", EntryType.Symlink, 0x1FF, Second, "other.txt"), Regular("other.txt", 0x1A4, Second), Hardlink("hl", Regular("other.txt", 0x1A4, Second)) with { LinkTarget = target }]);

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => RestoreTree("v1"));

        Assert.Contains("'hl'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{target}'", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void Diff_names_each_attribute_that_changed_against_a_directory_and_another_snapshot()
    {
        List<FileRecord> v1 = Tree(withDevice: IsRoot);
        Publish("v1", v1);
        RestoreTree("v1");
        Assert.Empty(DiffWith("tree:v1", directory: Output));
        FileRecord Of(string path) => v1.Single(e => e.RelativePath == path);

        // On disk: every change keeps the recorded mtime and mode where they are not what changed.
        using (OutputTree tree = OutputTree.Open(Output))
        using (TreeDirectory dir = tree.OpenDirectory("dir"))
        using (TreeDirectory root = tree.OpenDirectory(""))
        {
            dir.Remove("link");
            dir.CreateSymlink("../elsewhere", "link");
            dir.SetOwnerAndMode("link", 0, Of("dir/link").Uid, Of("dir/link").Gid, setOwner: IsRoot, isSymlink: true);
            dir.SetModificationTime("link", Of("dir/link").ModificationTimeNs);
            dir.SetXattr("file.txt", "user.origin", "changed"u8);
            root.SetOwnerAndMode("empty", 0x1FF, 0, 0, setOwner: false, isSymlink: false);
            root.Remove("fifo");
            TestFiles.WriteDense(Path.Join(Output, "fifo"), []);
            root.SetOwnerAndMode("fifo", Of("fifo").Mode, 0, 0, setOwner: false, isSymlink: false);
            root.SetModificationTime("fifo", Of("fifo").ModificationTimeNs);
            dir.Remove("file-again");
            TestFiles.WriteDense(Path.Join(Output, "dir/file-again"), "file"u8);
            dir.SetOwnerAndMode("file-again", Of("dir/file.txt").Mode, Of("dir/file.txt").Uid, Of("dir/file.txt").Gid, setOwner: IsRoot, isSymlink: false);
            dir.SetXattr("file-again", "user.origin", "test"u8);
            dir.SetModificationTime("file-again", Of("dir/file.txt").ModificationTimeNs);
            if (IsRoot)
            {
                root.Remove("null");
                root.CreateNode("null", Interop.Libc.S_IFCHR | 0x1B6, Interop.Libc.MakeDevice(1, 5));
                root.SetOwnerAndMode("null", Of("null").Mode, Of("null").Uid, Of("null").Gid, setOwner: true, isSymlink: false);
                root.SetModificationTime("null", Of("null").ModificationTimeNs);
            }

            // The directories' own mtimes moved with the entries replaced in them.
            dir.SetModificationTime("file.txt", Of("dir/file.txt").ModificationTimeNs);
            root.SetModificationTime("dir", Of("dir").ModificationTimeNs);
        }

        // The hardlink made a copy on disk; in the records, it shares its file's new xattrs.
        List<DiffEntry> Changes(DiffReasons fileAgain) =>
        [
            new("dir/file-again", DiffKind.Changed, fileAgain),
            new("dir/file.txt", DiffKind.Changed, DiffReasons.Xattrs),
            new("dir/link", DiffKind.Changed, DiffReasons.LinkTarget),
            new("empty", DiffKind.Changed, DiffReasons.Mode),
            new("fifo", DiffKind.Changed, DiffReasons.Type),
            .. IsRoot ? [new DiffEntry("null", DiffKind.Changed, DiffReasons.Device)] : Array.Empty<DiffEntry>(),
        ];

        Assert.Equal(Changes(DiffReasons.LinkTarget), DiffWith("tree:v1", directory: Output));

        // The same changes as records of another snapshot.
        List<FileRecord> v2 = v1
            .Select(e => e.RelativePath switch
            {
                "dir/link" => e with { LinkTarget = "../elsewhere" },
                "dir/file.txt" or "dir/file-again" => e with { Xattrs = Xattrs(("user.origin", "changed"u8.ToArray())) },
                "empty" => e with { Mode = 0x1FF },
                "fifo" => Regular("fifo", e.Mode, e.ModificationTimeNs, source: "other.txt"),
                "null" => e with { DeviceMinor = 5 },
                _ => e,
            })
            .ToList();
        Publish("v2", v2);
        _node.Restore(new RestoreRequest { Name = "tree", Version = "v2", SkipDevices = true });

        Assert.Equal(Changes(DiffReasons.Xattrs), DiffWith("tree:v1", to: "tree:v2"));
    }

    [Fact]
    public void Xattrs_of_the_hosts_own_namespaces_are_neither_compared_nor_removed()
    {
        if (!IsRoot)
        {
            return;
        }

        List<FileRecord> tree = Tree(withDevice: false);
        Publish("v1", tree);
        RestoreTree("v1");
        using (OutputTree output = OutputTree.Open(Output))
        using (TreeDirectory dir = output.OpenDirectory("dir"))
        {
            dir.SetXattr("file.txt", "trusted.host-policy", [9]);
        }

        Inode before = Inode.Of(Path.Join(Output, "dir/file.txt"));

        Assert.Empty(DiffWith("tree:v1", directory: Output));
        RestoreTree("v1", inPlace: true);

        Assert.Equal(before, Inode.Of(Path.Join(Output, "dir/file.txt")));
        Assert.Equal([9], TestFiles.GetXattr(Path.Join(Output, "dir/file.txt"), "trusted.host-policy") ?? []);
        AssertTree(tree);
    }

    [Fact]
    public void An_xattr_of_the_hosts_namespaces_that_the_record_holds_is_restored_and_compared()
    {
        if (!IsRoot)
        {
            return;
        }

        // A committed layer or an imported archive may record one (trusted.*): restore manages it like user.*.
        List<FileRecord> tree = Tree(withDevice: false)
            .Select(e => e.RelativePath == "empty" ? e with { Xattrs = Xattrs(("trusted.layer", [7])) } : e)
            .ToList();
        Publish("v1", tree);
        RestoreTree("v1");

        Assert.Equal([7], TestFiles.GetXattr(Path.Join(Output, "empty"), "trusted.layer") ?? []);
        Assert.Empty(DiffWith("tree:v1", directory: Output));

        TestFiles.SetXattr(Path.Join(Output, "empty"), "trusted.layer", [8]);

        Assert.Equal([new DiffEntry("empty", DiffKind.Changed, DiffReasons.Xattrs)], DiffWith("tree:v1", directory: Output));
        RestoreTree("v1", inPlace: true);
        AssertTree(tree);
    }

    private IReadOnlyList<DiffEntry> DiffWith(string from, string? to = null, string? directory = null) =>
        _node.Diff(new DiffRequest { From = SnapshotReference.Parse(from), To = to is null ? null : SnapshotReference.Parse(to), Directory = directory });
}
