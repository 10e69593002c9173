using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// Every snapshot request is checked whole before anything is written: a rejected request names what is
/// wrong, leaves the store as it was and reserves nothing (the same name:version works right after).
/// </summary>
public sealed class SnapshotInputTests : EngineTestBase
{
    private readonly string _outside;

    public SnapshotInputTests()
    {
        Source("good.txt", "good"u8.ToArray());
        Source("ro/good.bin", TestFiles.Pattern(5000, 1));
        Source("dir/target.txt", "target"u8.ToArray(), mode: 0x180, mtimeNs: 1_650_000_000_000_000_042);
        _outside = TestFiles.WriteDense(Temp.Combine("outside", "secret.txt"), "secret"u8.ToArray());

        // Something already in the store, so "unchanged" is checked against a non-empty listing.
        Snapshot("existing", "v1", new FileSpec("dir/target.txt", true));
    }

    /// <summary>Valid files around the bad one: were anything written before validation, it would be these.</summary>
    private static FileSpec[] With(params FileSpec[] bad) =>
        [new FileSpec("good.txt", false), new FileSpec("ro/good.bin", true), .. bad];

    private void AssertRejected(ErrorCode code, string[] mentions, FileSpec[] files, string? baseDir = null, string name = "snap", string version = "v1")
    {
        List<string> before = StoreListing();
        Inode good = Inode.Of(Path.Join(BaseDir, "ro/good.bin"));

        SnapshotterException e = Expect.Error(code, () => Engine.Snapshot(SnapshotOf(name, version, baseDir ?? BaseDir, files)));

        foreach (string mention in mentions)
        {
            Assert.Contains(mention, e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(before, StoreListing());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Equal(1u, Inode.Of(Path.Join(BaseDir, "ro/good.bin")).LinkCount);
        Assert.Equal(good.MtimeNs, Inode.Of(Path.Join(BaseDir, "ro/good.bin")).MtimeNs);
        Expect.Error(ErrorCode.NotFound, () => Restore("snap", "v1", null));

        // Nothing reserved: the same name:version can be snapshotted now.
        Assert.Equal(1, Snapshot("snap", "v1", new FileSpec("good.txt", false)).Files);
    }

    [Theory]
    [InlineData("../outside/secret.txt")]
    [InlineData("..")]
    [InlineData("dir/../../outside/secret.txt")]
    [InlineData("dir/../good.txt")]
    public void Dot_dot_is_invalid(string path)
    {
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", $"'{path}'", "'..'"], With(new FileSpec(path, false)));
    }

    [Fact]
    public void An_absolute_path_is_invalid()
    {
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", $"'{_outside}'", "absolute"], With(new FileSpec(_outside, false)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    public void Empty_and_nul_paths_are_invalid(string path)
    {
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]"], With(new FileSpec(path, false)));
    }

    [Theory]
    [InlineData("good.txt")]
    [InlineData("./good.txt")]
    [InlineData("././/good.txt")]
    [InlineData(".//good.txt")]
    public void A_duplicate_path_is_invalid_naming_both_entries(string duplicate)
    {
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", $"'{duplicate}'", "files[0]"], With(new FileSpec(duplicate, true)));
    }

    [Theory]
    [InlineData("good.txt/")]
    [InlineData(".snapshotter-incomplete-restore")]
    public void A_file_path_ending_in_a_slash_or_a_reserved_name_is_invalid(string path)
    {
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", $"'{path}'"], With(new FileSpec(path, false)));
    }

    [Fact]
    public void A_symlink_leading_outside_the_base_dir_is_invalid()
    {
        File.CreateSymbolicLink(Path.Join(BaseDir, "escape"), _outside);
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", "'escape'", "outside"], With(new FileSpec("escape", false)));
    }

    [Fact]
    public void A_symlinked_directory_leading_outside_the_base_dir_is_invalid()
    {
        File.CreateSymbolicLink(Path.Join(BaseDir, "linkdir"), Temp.Combine("outside"));
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", "'linkdir/secret.txt'", "outside"], With(new FileSpec("linkdir/secret.txt", true)));
    }

    [Fact]
    public void A_fifo_directory_or_symlink_to_a_directory_is_captured_as_what_it_names()
    {
        TestFiles.MakeFifo(Path.Join(BaseDir, "pipe"));
        File.CreateSymbolicLink(Path.Join(BaseDir, "dirlink"), Path.Join(BaseDir, "dir"));

        OperationStats stats = Snapshot("kinds", "v1", new FileSpec("pipe", false), new FileSpec("dir", false), new FileSpec("dirlink", true));

        // pipe; dir and dir/target.txt; dirlink (the directory it names) and dirlink/target.txt.
        Assert.Equal(5, stats.Files);
    }

    [Fact]
    public void A_socket_is_invalid()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Join(BaseDir, "sock")));
        AssertRejected(ErrorCode.InvalidArgument, ["files[2]", "'sock'", "socket"], With(new FileSpec("sock", false)));
    }

    [Fact]
    public void A_missing_file_is_not_found()
    {
        AssertRejected(ErrorCode.NotFound, ["files[2]", "'dir/missing.txt'"], With(new FileSpec("dir/missing.txt", false)));
    }

    [Fact]
    public void A_dangling_symlink_is_not_found()
    {
        File.CreateSymbolicLink(Path.Join(BaseDir, "dangling"), Path.Join(BaseDir, "nowhere"));
        AssertRejected(ErrorCode.NotFound, ["files[2]", "'dangling'"], With(new FileSpec("dangling", false)));
    }

    [Fact]
    public void A_missing_base_dir_is_not_found()
    {
        string missing = Temp.Combine("no-such-base");
        AssertRejected(ErrorCode.NotFound, ["base_dir", missing], With(), missing);
    }

    [Fact]
    public void A_base_dir_that_is_a_file_is_invalid()
    {
        string file = Path.Join(BaseDir, "good.txt");
        AssertRejected(ErrorCode.InvalidArgument, ["base_dir", file], With(), file);
    }

    [Fact]
    public void An_empty_base_dir_is_invalid()
    {
        AssertRejected(ErrorCode.InvalidArgument, ["base_dir"], With(), "");
    }

    [Theory]
    [InlineData("Snap", "v1", "name 'Snap'")]
    [InlineData("snap-", "v1", "name 'snap-'")]
    [InlineData("snap", "-v1", "snapshot_version '-v1'")]
    [InlineData("snap", "v/1", "snapshot_version 'v/1'")]
    [InlineData("snap", "v1\n", "snapshot_version")]
    [InlineData("", "v1", "name")]
    public void Invalid_names_and_versions_are_rejected(string name, string version, string mention)
    {
        AssertRejected(ErrorCode.InvalidArgument, [mention], With(), name: name, version: version);
    }

    [Fact]
    public void Missing_files_list_is_invalid()
    {
        List<string> before = StoreListing();
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Engine.Snapshot(new SnapshotRequest { Name = "snap", Version = "v1", BaseDir = BaseDir, Files = null! }));
        Assert.Contains("files", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, StoreListing());
        Snapshot("snap", "v1", new FileSpec("good.txt", false));
    }

    [Fact]
    public void A_symlink_inside_the_base_dir_is_captured_as_the_file_it_points_to()
    {
        File.CreateSymbolicLink(Path.Join(BaseDir, "alias.txt"), "dir/target.txt");
        File.CreateSymbolicLink(Path.Join(BaseDir, "dirlink"), "dir");

        Snapshot("links", "v1", new FileSpec("alias.txt", false), new FileSpec("dirlink/target.txt", true));

        string output = Temp.Combine("out");
        Restore("links", "v1", output);
        foreach (string path in new[] { "alias.txt", "dirlink/target.txt" })
        {
            Inode restored = Inode.Of(Path.Join(output, path));
            Assert.True(restored.IsRegularFile, path);
            Assert.Equal("target"u8.ToArray(), File.ReadAllBytes(Path.Join(output, path)));
            Assert.Equal(0x180u, restored.Permissions);
            Assert.Equal(1_650_000_000_000_000_042, restored.MtimeNs);
        }

        Assert.Equal(["alias.txt", "dirlink", "dirlink/target.txt"], TestFiles.Tree(output));
    }

    [Fact]
    public void Files_of_a_symlinked_directory_resolve_one_by_one_beside_the_same_files_reached_directly()
    {
        for (int i = 0; i < 8; i++)
        {
            Source($"real/sub/f{i}", TestFiles.Pattern(100 + i, (byte)i));
        }

        File.CreateSymbolicLink(Path.Join(BaseDir, "link"), "real");
        File.CreateSymbolicLink(Path.Join(BaseDir, "real/sub/alias"), "f3");
        FileSpec[] files = [.. Enumerable.Range(0, 8).SelectMany(i => new[] { new FileSpec($"link/sub/f{i}", i % 2 == 0), new FileSpec($"real/sub/f{i}", false) }),
            new FileSpec("link/sub/alias", false)];

        Snapshot("shared-dir", "v1", files);

        string output = Temp.Combine("out");
        Restore("shared-dir", "v1", output);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(TestFiles.Pattern(100 + i, (byte)i), File.ReadAllBytes(Path.Join(output, $"link/sub/f{i}")));
            Assert.Equal(TestFiles.Pattern(100 + i, (byte)i), File.ReadAllBytes(Path.Join(output, $"real/sub/f{i}")));
        }

        Assert.Equal(TestFiles.Pattern(103, 3), File.ReadAllBytes(Path.Join(output, "link/sub/alias")));
    }

    [Fact]
    public void A_symlink_leaving_the_base_dir_from_inside_a_symlinked_directory_is_invalid()
    {
        Source("real/sub/ok", "ok"u8.ToArray());
        File.CreateSymbolicLink(Path.Join(BaseDir, "link"), "real");
        File.CreateSymbolicLink(Path.Join(BaseDir, "real/sub/escape"), _outside);

        AssertRejected(ErrorCode.InvalidArgument, ["files[3]", "link/sub/escape", "outside base_dir"],
            With(new FileSpec("link/sub/ok", false), new FileSpec("link/sub/escape", false)));
    }

    [Fact]
    public void A_base_dir_reached_through_a_symlink_works()
    {
        string link = Temp.Combine("base-link");
        File.CreateSymbolicLink(link, BaseDir);

        Engine.Snapshot(SnapshotOf("via-link", "v1", link, new FileSpec("good.txt", false)));

        string output = Temp.Combine("out");
        Restore("via-link", "v1", output);
        Assert.Equal("good"u8.ToArray(), File.ReadAllBytes(Path.Join(output, "good.txt")));
    }

    [Fact]
    public void The_same_name_and_version_twice_is_already_exists_and_the_first_stays_intact()
    {
        Snapshot("twice", "v1", new FileSpec("good.txt", false));
        Source("good.txt", "changed"u8.ToArray());
        List<string> before = StoreListing();

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Snapshot("twice", "v1", new FileSpec("good.txt", false), new FileSpec("ro/good.bin", true)));

        Assert.Contains("twice:v1", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, StoreListing());
        string output = Temp.Combine("out");
        Assert.Equal(1, Restore("twice", "v1", output).Files);
        Assert.Equal("good"u8.ToArray(), File.ReadAllBytes(Path.Join(output, "good.txt")));
        Assert.Equal(["good.txt"], TestFiles.Tree(output));
    }
}
