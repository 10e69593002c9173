using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>What restore does with what is already in (or around) the output dir.</summary>
public sealed class RestoreTargetTests : EngineTestBase
{
    private const long Mtime = 1_700_000_000_000_000_123;
    private readonly byte[] _data = TestFiles.Pattern(20_000, 3);
    private readonly byte[] _model = TestFiles.Pattern(30_000, 4);

    public RestoreTargetTests()
    {
        Source("data.bin", _data, mode: 0x1A4, mtimeNs: Mtime);
        Source("ro/model.bin", _model, mode: 0x124, mtimeNs: Mtime + 1);
        Source("nested/dir/note.txt", "note"u8.ToArray(), mode: 0x180, mtimeNs: Mtime + 2);
    }

    private void SnapshotAll() =>
        Snapshot("snap", "v1", new FileSpec("data.bin", false), new FileSpec("ro/model.bin", true), new FileSpec("nested/dir/note.txt", false));

    [Fact]
    public void Without_an_output_dir_restore_only_checks_the_content()
    {
        SnapshotAll();
        List<string> before = TestFiles.Tree(Temp.Path);

        OperationStats stats = Restore("snap", "v1", outputDir: null);

        Assert.Equal(3, stats.Files);
        Assert.Equal(_data.Length + _model.Length + 4, stats.Bytes);
        Assert.Equal(0, stats.BytesWritten);
        Assert.Equal(0, stats.FilesLinked);
        Assert.Equal(before, TestFiles.Tree(Temp.Path));
    }

    [Fact]
    public void Restoring_into_identical_files_reuses_them_untouched()
    {
        SnapshotAll();
        string output = Temp.Combine("out");
        Restore("snap", "v1", output);
        var inodes = TestFiles.Tree(output).ToDictionary(p => p, p => Inode.Of(Path.Join(output, p)));

        OperationStats stats = Restore("snap", "v1", output);

        Assert.Equal(3, stats.FilesReused);
        Assert.Equal(0, stats.BytesWritten);
        Assert.Equal(0, stats.FilesLinked);
        Assert.Equal(inodes.Keys.Order(StringComparer.Ordinal), TestFiles.Tree(output));
        foreach ((string path, Inode before) in inodes)
        {
            Inode after = Inode.Of(Path.Join(output, path));
            Assert.True(after.IsSameAs(before), path);
            Assert.Equal(before.MtimeNs, after.MtimeNs);
        }
    }

    [Fact]
    public void Identical_files_made_by_someone_else_are_reused_too()
    {
        SnapshotAll();
        string output = Temp.Combine("out");
        string copy = TestFiles.WriteDense(Path.Join(output, "data.bin"), _data);
        TestFiles.SetMode(copy, 0x1A4);
        TestFiles.SetMtimeNs(copy, Mtime);
        Inode before = Inode.Of(copy);

        OperationStats stats = Restore("snap", "v1", output);

        Assert.Equal(1, stats.FilesReused);
        Assert.True(Inode.Of(copy).IsSameAs(before));
    }

    [Fact]
    public void A_differing_file_without_overwrite_is_already_exists_and_nothing_is_written()
    {
        SnapshotAll();
        string output = Temp.CreateDirectory("out");
        string different = TestFiles.WriteDense(Path.Join(output, "data.bin"), [1, 2, 3]);
        Inode before = Inode.Of(different);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Restore("snap", "v1", output));

        Assert.Contains("data.bin", e.Message, StringComparison.Ordinal);
        Assert.Equal(["data.bin"], TestFiles.Tree(output));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(different));
        Assert.True(Inode.Of(different).IsSameAs(before));
        Assert.Equal(before.MtimeNs, Inode.Of(different).MtimeNs);
    }

    [Fact]
    public void Same_bytes_with_another_mode_is_a_difference_too()
    {
        SnapshotAll();
        string output = Temp.CreateDirectory("out");
        string path = TestFiles.WriteDense(Path.Join(output, "data.bin"), _data);
        TestFiles.SetMode(path, 0x1FF);
        TestFiles.SetMtimeNs(path, Mtime);

        Expect.Error(ErrorCode.AlreadyExists, () => Restore("snap", "v1", output));
        Assert.Equal(["data.bin"], TestFiles.Tree(output));

        Restore("snap", "v1", output, overwrite: true);
        Assert.Equal(0x1A4u, Inode.Of(path).Permissions);
    }

    [Fact]
    public void A_differing_file_with_overwrite_is_replaced()
    {
        SnapshotAll();
        string output = Temp.CreateDirectory("out");
        TestFiles.WriteDense(Path.Join(output, "data.bin"), [1, 2, 3]);
        TestFiles.WriteDense(Path.Join(output, "ro/model.bin"), [4, 5, 6]);

        OperationStats stats = Restore("snap", "v1", output, overwrite: true);

        Assert.Equal(_data, File.ReadAllBytes(Path.Join(output, "data.bin")));
        Assert.Equal(0x1A4u, Inode.Of(Path.Join(output, "data.bin")).Permissions);
        Assert.Equal(Mtime, Inode.Of(Path.Join(output, "data.bin")).MtimeNs);
        Assert.Equal(_model, File.ReadAllBytes(Path.Join(output, "ro/model.bin")));
        Assert.True(Inode.Of(Path.Join(output, "ro/model.bin")).IsSameAs(Inode.Of(Path.Join(BaseDir, "ro/model.bin"))));
        Assert.Equal("note"u8.ToArray(), File.ReadAllBytes(Path.Join(output, "nested/dir/note.txt")));
        Assert.Equal(0, stats.FilesReused);
        Assert.Equal(1, stats.FilesLinked);
        Assert.Empty(TestFiles.TempFiles(output));
    }

    [Fact]
    public void A_directory_in_the_way_is_already_exists_and_replaced_with_everything_in_it_with_overwrite()
    {
        SnapshotAll();
        string output = Temp.CreateDirectory("out");
        Temp.CreateDirectory("out", "data.bin", "inside");
        string outside = TestFiles.WriteDense(Temp.Combine("outside", "kept"), [5]);
        File.CreateSymbolicLink(Path.Join(output, "data.bin", "inside", "link"), Path.GetDirectoryName(outside)!);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Restore("snap", "v1", output));
        Assert.Contains("data.bin", e.Message, StringComparison.Ordinal);
        Assert.Equal(["data.bin", "data.bin/inside", "data.bin/inside/link", "data.bin/inside/link/kept"], TestFiles.Tree(output));

        Restore("snap", "v1", output, overwrite: true);

        Assert.Equal(_data, File.ReadAllBytes(Path.Join(output, "data.bin")));
        Assert.Equal([5], File.ReadAllBytes(outside));
        Assert.Empty(TestFiles.TempFiles(output));
    }

    [Fact]
    public void A_symlinked_directory_leading_outside_is_in_the_way_and_nothing_is_written_through_it()
    {
        SnapshotAll();
        string outside = Temp.CreateDirectory("outside");
        string output = Temp.CreateDirectory("out");
        File.CreateSymbolicLink(Path.Join(output, "nested"), outside);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Restore("snap", "v1", output));
        Assert.Contains("nested/dir/note.txt", e.Message, StringComparison.Ordinal);
        Assert.Equal(["nested"], TestFiles.Tree(output));

        Restore("snap", "v1", output, overwrite: true);

        Assert.Empty(TestFiles.Tree(outside));
        Assert.Equal("note"u8.ToArray(), File.ReadAllBytes(Path.Join(output, "nested/dir/note.txt")));
    }

    [Fact]
    public void A_symlink_at_a_target_is_replaced_with_overwrite_and_its_target_is_left_alone()
    {
        SnapshotAll();
        string outsideFile = TestFiles.WriteDense(Temp.Combine("outside", "victim"), [7, 7, 7]);
        string output = Temp.CreateDirectory("out");
        File.CreateSymbolicLink(Path.Join(output, "data.bin"), outsideFile);
        File.CreateSymbolicLink(Path.Join(output, "ro"), Temp.Combine("outside"));

        Expect.Error(ErrorCode.AlreadyExists, () => Restore("snap", "v1", output));

        Restore("snap", "v1", output, overwrite: true);

        Assert.True(Inode.Of(Path.Join(output, "data.bin")).IsRegularFile);
        Assert.False(Inode.Of(Path.Join(output, "ro")).IsSymlink);
        Assert.Equal(_data, File.ReadAllBytes(Path.Join(output, "data.bin")));
        Assert.Equal([7, 7, 7], File.ReadAllBytes(outsideFile));
        Assert.Equal(["victim"], TestFiles.Tree(Temp.Combine("outside")));
    }

    [Fact]
    public void A_file_in_the_place_of_a_parent_directory_is_a_difference()
    {
        SnapshotAll();
        string output = Temp.CreateDirectory("out");
        string blocker = TestFiles.WriteDense(Path.Join(output, "nested"), [1]);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Restore("snap", "v1", output));
        Assert.Contains("nested/dir/note.txt", e.Message, StringComparison.Ordinal);
        Assert.Equal(["nested"], TestFiles.Tree(output));
        Assert.Equal([1], File.ReadAllBytes(blocker));

        Restore("snap", "v1", output, overwrite: true);
        Assert.Equal("note"u8.ToArray(), File.ReadAllBytes(Path.Join(output, "nested/dir/note.txt")));
    }

    [Fact]
    public void An_output_dir_that_is_a_file_is_invalid()
    {
        SnapshotAll();
        string file = TestFiles.WriteDense(Temp.Combine("not-a-dir"), [1]);

        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Restore("snap", "v1", file));
        Assert.Contains("output_dir", e.Message, StringComparison.Ordinal);
        Assert.Equal([1], File.ReadAllBytes(file));
    }

    [Fact]
    public void An_empty_output_dir_is_invalid_naming_the_field()
    {
        SnapshotAll();
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Restore("snap", "v1", ""));
        Assert.Contains("output_dir", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_dir_reached_through_a_symlink_is_used()
    {
        SnapshotAll();
        string real = Temp.CreateDirectory("real-out");
        string link = Temp.Combine("out-link");
        File.CreateSymbolicLink(link, real);

        Restore("snap", "v1", link);

        Assert.Equal(_data, File.ReadAllBytes(Path.Join(real, "data.bin")));
        Assert.True(Inode.Of(link).IsSymlink);
    }

    [Fact]
    public void The_output_dir_and_missing_parents_are_created()
    {
        SnapshotAll();
        string output = Temp.Combine("a", "b", "out");

        Restore("snap", "v1", output);

        Assert.Equal(["data.bin", "nested", "nested/dir", "nested/dir/note.txt", "ro", "ro/model.bin"], TestFiles.Tree(output));
    }

    [Fact]
    public void An_unknown_snapshot_is_not_found_naming_it()
    {
        SnapshotAll();
        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => Restore("snap", "v2", Temp.Combine("out")));
        Assert.Contains("snap:v2", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Temp.Combine("out")));
        Expect.Error(ErrorCode.NotFound, () => Restore("other", "v1", null));
    }

    [Theory]
    [InlineData("Snap", "v1", "name")]
    [InlineData("snap", ".v1", "snapshot_version")]
    [InlineData("", "v1", "name")]
    [InlineData("snap", "", "snapshot_version")]
    public void Invalid_names_are_rejected_before_anything_happens(string name, string version, string field)
    {
        SnapshotAll();
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Restore(name, version, Temp.Combine("out")));
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Temp.Combine("out")));
    }
}
