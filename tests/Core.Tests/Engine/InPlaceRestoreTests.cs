using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// In-place restores write only what differs: untouched files keep their inode, mtime AND ctime (which any
/// write, chmod or utimens would move); extra files go only when asked, never anything outside the output dir.
/// </summary>
public sealed class InPlaceRestoreTests : EngineTestBase
{
    private const long Mtime = 1_700_000_000_000_000_007;
    private static readonly string[] Paths = ["a.bin", "b.bin", "nested/c.bin", "nested/deep/d.txt", "ro.bin"];
    private readonly string _output;

    public InPlaceRestoreTests()
    {
        for (int i = 0; i < Paths.Length; i++)
        {
            Source(Paths[i], TestFiles.Pattern(4000 + (1000 * i), i + 10), mode: Paths[i] == "ro.bin" ? 0x124u : 0x1A4u, mtimeNs: Mtime + i);
        }

        Snapshot("tree", "v1", Paths.Select(p => new FileSpec(p, p == "ro.bin")).ToArray());
        _output = Temp.Combine("out");
        Restore("tree", "v1", _output);
    }

    private string Out(string relative) => Path.Join(_output, relative);

    private OperationStats InPlace(bool deleteExtra = false, params string[] only) =>
        Engine.Restore(new RestoreRequest { Name = "tree", Version = "v1", OutputDir = _output, InPlace = true, DeleteExtra = deleteExtra, Only = only });

    private Dictionary<string, Inode> Inodes() => Paths.ToDictionary(p => p, p => Inode.Of(Out(p)));

    private void AssertUntouched(Dictionary<string, Inode> before, params string[] except)
    {
        foreach ((string path, Inode was) in before.Where(b => !except.Contains(b.Key)))
        {
            Inode now = Inode.Of(Out(path));
            Assert.True(now.IsSameAs(was), $"{path} was replaced");
            Assert.Equal((was.MtimeNs, was.CtimeNs), (now.MtimeNs, now.CtimeNs));
        }
    }

    [Fact]
    public void Over_an_identical_tree_nothing_is_written_or_touched()
    {
        Dictionary<string, Inode> before = Inodes();

        OperationStats stats = InPlace();

        Assert.Equal((5L, 0L, 0L), (stats.FilesReused, stats.BytesWritten, stats.FilesRemoved));
        AssertUntouched(before);
    }

    [Fact]
    public void Only_the_differing_files_are_written_each_replaced_whole()
    {
        TestFiles.WriteDense(Out("b.bin"), TestFiles.Pattern(5000, 99));
        TestFiles.SetMtimeNs(Out("b.bin"), Mtime + 1);
        File.Delete(Out("nested/deep/d.txt"));
        Dictionary<string, Inode> before = Paths.Where(p => p != "nested/deep/d.txt").ToDictionary(p => p, p => Inode.Of(Out(p)));

        OperationStats stats = InPlace();

        Assert.Equal(3, stats.FilesReused);
        Assert.Equal(5000 + 7000, stats.BytesWritten);
        AssertUntouched(before, "b.bin");
        Assert.False(Inode.Of(Out("b.bin")).IsSameAs(before["b.bin"]));
        Assert.Equal(TestFiles.Read(Path.Join(BaseDir, "b.bin")), TestFiles.Read(Out("b.bin")));
        Assert.Equal(TestFiles.Read(Path.Join(BaseDir, "nested/deep/d.txt")), TestFiles.Read(Out("nested/deep/d.txt")));
        Assert.Empty(TestFiles.TempFiles(_output));
    }

    [Fact]
    public void A_file_whose_content_matches_gets_only_its_attributes_set()
    {
        TestFiles.SetMtimeNs(Out("a.bin"), Mtime + 1000);
        TestFiles.SetMode(Out("nested/c.bin"), 0x1FF);
        Dictionary<string, Inode> before = Inodes();

        OperationStats stats = InPlace();

        Assert.Equal((5L, 0L), (stats.FilesReused, stats.BytesWritten));
        AssertUntouched(before, "a.bin", "nested/c.bin");
        Inode a = Inode.Of(Out("a.bin")), c = Inode.Of(Out("nested/c.bin"));
        Assert.True(a.IsSameAs(before["a.bin"]) && c.IsSameAs(before["nested/c.bin"]));
        Assert.Equal((Mtime, 0x1A4u), (a.MtimeNs, a.Permissions));
        Assert.Equal((Mtime + 2, 0x1A4u), (c.MtimeNs, c.Permissions));
    }

    [Fact]
    public void A_file_hardlinked_elsewhere_is_replaced_rather_than_changed_under_the_other_name()
    {
        string other = Temp.Combine("other-name");
        TestFiles.HardLink(Out("a.bin"), other);
        TestFiles.SetMode(other, 0x1C0);

        InPlace();

        Assert.Equal(0x1C0u, Inode.Of(other).Permissions);
        Assert.Equal(0x1A4u, Inode.Of(Out("a.bin")).Permissions);
        Assert.False(Inode.Of(other).IsSameAs(Inode.Of(Out("a.bin"))));
    }

    [Fact]
    public void Without_in_place_a_file_differing_only_in_attributes_is_not_read_and_is_replaced()
    {
        TestFiles.SetMtimeNs(Out("a.bin"), Mtime + 1000);
        Inode before = Inode.Of(Out("a.bin"));

        OperationStats stats = Restore("tree", "v1", _output, overwrite: true);

        Assert.Equal((4L, 4000L), (stats.FilesReused, stats.BytesWritten));
        Assert.False(Inode.Of(Out("a.bin")).IsSameAs(before));
    }

    [Fact]
    public void Delete_extra_removes_what_the_snapshot_lacks_and_never_follows_links()
    {
        string outside = Temp.CreateDirectory("outside");
        TestFiles.WriteDense(Path.Join(outside, "precious.txt"), "keep me"u8);
        TestFiles.WriteDense(Out("extra.txt"), "x"u8);
        TestFiles.WriteDense(Out("nested/deep/extra/deeper/x.bin"), "x"u8);
        TestFiles.MakeFifo(Out("nested/pipe"));
        File.CreateSymbolicLink(Out("link-to-outside"), outside);
        File.CreateSymbolicLink(Out("nested/link-to-file"), Path.Join(outside, "precious.txt"));
        Directory.CreateDirectory(Out("empty-dir"));
        Dictionary<string, Inode> before = Inodes();

        OperationStats stats = InPlace(deleteExtra: true);

        Assert.Equal(5, stats.FilesRemoved);
        Assert.Equal(["a.bin", "b.bin", "nested", "nested/c.bin", "nested/deep", "nested/deep/d.txt", "ro.bin"], TestFiles.Tree(_output));
        Assert.Equal("keep me"u8.ToArray(), TestFiles.Read(Path.Join(outside, "precious.txt")));
        AssertUntouched(before);
    }

    [Fact]
    public void Delete_extra_after_a_symlinked_parent_was_replaced_keeps_the_store()
    {
        // nested/ is a link to real/ inside the output dir: restore never writes through it, but replaces it with the
        // directory the snapshot has; real/ is then an extra.
        string output = Temp.Combine("linked");
        Directory.CreateDirectory(Path.Join(output, "real"));
        File.CreateSymbolicLink(Path.Join(output, "nested"), "real");
        TestFiles.WriteDense(Path.Join(output, "real/extra.txt"), "x"u8);
        SnapshotEngine inside = SnapshotEngine.Open(new EngineOptions { RootDir = Path.Join(output, "store") });
        try
        {
            inside.Snapshot(SnapshotOf("tree", "v1", BaseDir, Paths.Select(p => new FileSpec(p, false)).ToArray()));

            OperationStats stats = inside.Restore(new RestoreRequest { Name = "tree", Version = "v1", OutputDir = output, InPlace = true, DeleteExtra = true });

            Assert.Equal(1, stats.FilesRemoved);
            Assert.True(File.Exists(Path.Join(output, "nested/c.bin")));
            Assert.True(File.Exists(Path.Join(output, "nested/deep/d.txt")));
            Assert.False(Inode.Of(Path.Join(output, "nested")).IsSymlink);
            Assert.False(Directory.Exists(Path.Join(output, "real")));
            Assert.NotEmpty(inside.List());
        }
        finally
        {
            inside.Dispose();
        }
    }

    [Fact]
    public void A_partial_restore_deletes_extras_only_within_its_selection()
    {
        TestFiles.WriteDense(Out("nested/extra.bin"), "x"u8);
        TestFiles.WriteDense(Out("outside-selection.bin"), "x"u8);
        File.Delete(Out("a.bin"));
        Directory.CreateDirectory(Out("nested/empty"));

        OperationStats stats = InPlace(deleteExtra: true, "nested");

        Assert.Equal((2L, 1L), (stats.Files, stats.FilesRemoved));
        Assert.False(File.Exists(Out("nested/extra.bin")));
        Assert.False(Directory.Exists(Out("nested/empty")));
        Assert.True(File.Exists(Out("outside-selection.bin")));
        Assert.False(File.Exists(Out("a.bin")));
    }

    [Fact]
    public void Delete_extra_needs_in_place_and_an_output_dir()
    {
        Assert.Contains("delete_extra needs in_place", Expect.Error(ErrorCode.InvalidArgument, () =>
            Engine.Restore(new RestoreRequest { Name = "tree", Version = "v1", OutputDir = _output, DeleteExtra = true, Overwrite = true })).Message);
        Assert.Contains("delete_extra needs in_place", Expect.Error(ErrorCode.InvalidArgument, () =>
            Engine.Restore(new RestoreRequest { Name = "tree", Version = "v1", InPlace = true, DeleteExtra = true })).Message);
    }
}
