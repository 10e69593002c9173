using System.Text;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.IO;

/// <summary>
/// The output tree's walk and the calls that create entries in it: directories are reached beneath the root only,
/// through real directories only (through openat2 and through the walk by components alike), and no creation,
/// rename, attribute or xattr call follows a symlink at its name.
/// </summary>
public sealed class OutputTreeTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _root;
    private readonly string _outside;

    public OutputTreeTests()
    {
        _root = _temp.CreateDirectory("root");
        _outside = _temp.CreateDirectory("outside");
        Directory.CreateDirectory(Path.Join(_root, "a", "b"));
        File.CreateSymbolicLink(Path.Join(_root, "out"), _outside);
        File.CreateSymbolicLink(Path.Join(_root, "a", "in"), "b");
        TestFiles.WriteDense(Path.Join(_root, "file"), [1]);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Directories_open_beneath_the_root_and_never_through_a_symlink_or_a_file(bool componentWalk)
    {
        using OutputTree tree = OutputTree.Open(_root, componentWalk);

        using (TreeDirectory b = tree.OpenDirectory("a/b"))
        {
            Assert.Equal(Path.Join(_root, "a/b"), b.Path);
            Assert.Equal(Inode.Of(Path.Join(_root, "a/b")).Number, b.Status().Inode);
        }

        using (TreeDirectory root = tree.OpenDirectory(""))
        {
            Assert.Equal(Inode.Of(_root).Number, root.Status().Inode);
        }

        Assert.Null(tree.TryOpenDirectory("out", out int errno));
        Assert.Equal(Errno.ELOOP, errno);
        Assert.Null(tree.TryOpenDirectory("a/in", out errno));
        Assert.Equal(Errno.ELOOP, errno);
        Assert.Null(tree.TryOpenDirectory("a/in/x", out errno));
        Assert.Equal(Errno.ELOOP, errno);
        Assert.Null(tree.TryOpenDirectory("file/x", out errno));
        Assert.Equal(Errno.ENOTDIR, errno);
        Assert.Null(tree.TryOpenDirectory("a/missing/x", out errno));
        Assert.Equal(Errno.ENOENT, errno);
        Assert.Null(tree.TryOpenDirectory("a/../..", out errno));
        Assert.Equal(Errno.EXDEV, errno);

        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => tree.OpenDirectory("out/deeper"));
        Assert.Contains("'out/deeper'", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing is written through one", e.Message, StringComparison.Ordinal);
        Expect.Error(ErrorCode.NotFound, () => tree.OpenDirectory("a/missing"));
    }

    [Fact]
    public void Creating_at_a_name_held_by_a_symlink_never_writes_through_it()
    {
        string victim = TestFiles.WriteDense(Path.Join(_outside, "victim"), [7]);
        File.CreateSymbolicLink(Path.Join(_root, "a", "b", "link"), victim);
        using OutputTree tree = OutputTree.Open(_root);
        using TreeDirectory b = tree.OpenDirectory("a/b");

        Expect.Error(ErrorCode.AlreadyExists, () => b.CreateFile("link", 0x1A4));
        Assert.False(b.TryCreateDirectory("link", 0x1ED));
        Expect.Error(ErrorCode.AlreadyExists, () => b.CreateSymlink("elsewhere", "link"));
        Expect.Error(ErrorCode.AlreadyExists, () => b.CreateNode("link", Interop.Libc.S_IFIFO | 0x1A4, 0));
        Expect.Error(ErrorCode.IO, () => b.OpenRead("link"));
        b.SetOwnerAndMode("link", 0x1FF, 0, 0, setOwner: false, isSymlink: true);
        b.SetModificationTime("link", 1_000_000_123L);

        Assert.Equal([7], File.ReadAllBytes(victim));
        Assert.Equal(0x1A4u, Inode.Of(victim).Permissions);
        Assert.NotEqual(1_000_000_123L, Inode.Of(victim).MtimeNs);
        Assert.Equal(1_000_000_123L, Inode.Of(Path.Join(_root, "a", "b", "link")).MtimeNs);

        // A rename over the link replaces the link itself.
        using (UnixFile created = b.CreateFile("new", 0x1A4))
        {
            created.Write(0, [9]);
        }

        b.Rename("new", "link");
        Assert.Equal([7], File.ReadAllBytes(victim));
        Assert.True(Inode.Of(Path.Join(_root, "a", "b", "link")).IsRegularFile);
    }

    [Fact]
    public void Symlinks_nodes_links_and_directories_are_created_as_asked()
    {
        using OutputTree tree = OutputTree.Open(_root);
        using TreeDirectory a = tree.OpenDirectory("a");
        using TreeDirectory b = tree.OpenDirectory("a/b");

        a.CreateSymlink("../outside/nowhere", "dangling");
        Assert.Equal("../outside/nowhere", new FileInfo(Path.Join(_root, "a", "dangling")).LinkTarget);

        a.CreateNode("fifo", Interop.Libc.S_IFIFO | 0x1A0, 0);
        Assert.Equal(0x1000u, Inode.Of(Path.Join(_root, "a", "fifo")).Mode & 0xF000);

        // A hardlink of a symlink is the link itself, not its target.
        Assert.Equal(0, b.TryLinkFrom(a, "dangling", "second"));
        Assert.True(Inode.Of(Path.Join(_root, "a", "b", "second")).IsSymlink);
        Assert.Equal(Errno.EEXIST, b.TryLinkFrom(a, "dangling", "second"));

        Assert.True(a.TryCreateDirectory("d", 0x1C0));
        Assert.False(a.TryCreateDirectory("d", 0x1C0));
        a.SetOwnerAndMode("d", 0x3ED, 0, 0, setOwner: false, isSymlink: false);
        a.SetModificationTime("d", 5_000_000_007L);
        Inode d = Inode.Of(Path.Join(_root, "a", "d"));
        Assert.Equal(0x3EDu, d.Mode & 0xFFF);
        Assert.Equal(5_000_000_007L, d.MtimeNs);

        Assert.True(b.RenameNoReplace("second", "third"));
        a.CreateSymlink("x", "other");
        Assert.Equal(0, b.TryLinkFrom(a, "other", "fourth"));
        Assert.False(b.RenameNoReplace("fourth", "third"));
    }

    [Fact]
    public void Xattrs_are_set_on_the_entry_itself()
    {
        using OutputTree tree = OutputTree.Open(_root);
        using TreeDirectory a = tree.OpenDirectory("a");
        byte[] value = [0, 1, 2, 255];

        a.SetXattr("b", "user.test", value);
        a.CreateFile("f", 0x1A4).Dispose();

        a.SetXattr("f", "user.empty", []);

        Assert.Equal(value, TestFiles.GetXattr(Path.Join(_root, "a", "b"), "user.test") ?? []);
        Assert.Equal([], TestFiles.GetXattr(Path.Join(_root, "a", "f"), "user.empty") ?? [1]);

        // Linux keeps user.* attributes off symlinks: the error names the entry, and the target is untouched.
        SnapshotterException e = Expect.Error(ErrorCode.PermissionDenied, () => a.SetXattr("in", "user.via-link", value));
        Assert.Contains(Path.Join(_root, "a", "in"), e.Message, StringComparison.Ordinal);
        Assert.Null(TestFiles.GetXattr(Path.Join(_root, "a", "b"), "user.via-link"));
    }

    [Fact]
    public void Device_nodes_carry_their_numbers()
    {
        if (Native.GetEuid() != 0)
        {
            return;
        }

        using OutputTree tree = OutputTree.Open(_root);
        using TreeDirectory a = tree.OpenDirectory("a");
        a.CreateNode("null", Interop.Libc.S_IFCHR | 0x1B6, Interop.Libc.MakeDevice(1, 3));
        a.CreateNode("big", Interop.Libc.S_IFBLK | 0x180, Interop.Libc.MakeDevice(259, 70000));

        Assert.Equal("character special file 1 3", Tool.Run("stat", "-c", "%F %Hr %Lr", Path.Join(_root, "a", "null")).Trim());
        Assert.Equal("block special file 259 70000", Tool.Run("stat", "-c", "%F %Hr %Lr", Path.Join(_root, "a", "big")).Trim());
    }

    [Fact]
    public void Names_pass_to_the_kernel_byte_for_byte()
    {
        Assert.Equal(Encoding.UTF8.GetBytes("é/x\0"), TreeDirectory.Encode("é/x"));
        Assert.Equal([0x61, 0xFF, 0x62, 0], TreeDirectory.Encode("a\uDCFFb"));
    }
}
