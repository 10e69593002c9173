using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// Parent directories shared by many targets: each is checked once per pass, and every target below it gets the
/// outcome a check of its own would give, on one thread or many.
/// </summary>
public sealed class RestoreParentTests : EngineTestBase
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    /// <summary>
    /// Snapshots <paramref name="perDirectory"/> small files in each directory ("" is the base dir itself),
    /// every other one read-only, so that both links and copies are restored below each parent.
    /// </summary>
    private void SnapshotFilesIn(int perDirectory, params string[] directories)
    {
        var specs = new List<FileSpec>();
        foreach (string directory in directories)
        {
            for (int i = 0; i < perDirectory; i++)
            {
                string path = directory.Length == 0 ? $"f{i:D3}.bin" : $"{directory}/f{i:D3}.bin";
                bool readOnly = i % 2 == 0;
                byte[] bytes = TestFiles.Pattern(100 + _files.Count, _files.Count);
                Source(path, bytes, mode: readOnly ? 0x124u : 0x1A4u);
                _files.Add(path, bytes);
                specs.Add(new FileSpec(path, readOnly));
            }
        }

        Snapshot("tree", "v1", [.. specs]);
    }

    private OperationStats RestoreWith(int concurrency, string output, bool overwrite = false) =>
        OpenEngine(concurrency: concurrency).Restore(new RestoreRequest { Name = "tree", Version = "v1", OutputDir = output, Overwrite = overwrite });

    private void AssertRestored(string output, Func<string, bool>? below = null)
    {
        foreach ((string path, byte[] bytes) in _files.Where(f => below?.Invoke(f.Key) ?? true))
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Join(output, path)));
        }

        Assert.Empty(TestFiles.TempFiles(output));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void Parents_at_several_depths_shared_by_many_files_are_created_for_all_of_them(int concurrency)
    {
        SnapshotFilesIn(40, "", "a", "a/b", "a/b/c", "a/b/c/d/e", "x/y");
        string output = Temp.Combine("out");

        OperationStats stats = RestoreWith(concurrency, output);

        Assert.Equal(_files.Count, stats.Files);
        List<string> expected = [.. _files.Keys, "a", "a/b", "a/b/c", "a/b/c/d", "a/b/c/d/e", "x", "x/y"];
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, TestFiles.Tree(output));
        AssertRestored(output);

        // A parent missing below parents that are present: the files below it are absent, those beside it kept.
        Directory.Delete(Path.Join(output, "a/b/c"), recursive: true);
        stats = RestoreWith(concurrency, output);

        Assert.Equal(_files.Count - 80, stats.FilesReused);
        AssertRestored(output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void A_symlinked_parent_leading_outside_is_in_the_way_of_the_many_files_below_it_and_never_followed(int concurrency)
    {
        SnapshotFilesIn(30, "ok", "top/other", "top/link", "top/link/deep");
        string outside = Temp.CreateDirectory("outside");
        string output = Temp.CreateDirectory("out");
        Directory.CreateDirectory(Path.Join(output, "top"));
        File.CreateSymbolicLink(Path.Join(output, "top", "link"), outside);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => RestoreWith(concurrency, output));

        Assert.Contains("60 file(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("'top/link/", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.Equal(["top", "top/link"], TestFiles.Tree(output));

        RestoreWith(concurrency, output, overwrite: true);

        Assert.Empty(TestFiles.Tree(outside));
        Assert.False(Inode.Of(Path.Join(output, "top", "link")).IsSymlink);
        AssertRestored(output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void A_symlinked_parent_leading_inside_is_in_the_way_too(int concurrency)
    {
        SnapshotFilesIn(30, "via", "via/sub", "other");
        string output = Temp.CreateDirectory("out");
        string real = Temp.CreateDirectory("out", "real");
        File.CreateSymbolicLink(Path.Join(output, "via"), real);

        Expect.Error(ErrorCode.AlreadyExists, () => RestoreWith(concurrency, output));
        Assert.Equal(["real", "via"], TestFiles.Tree(output));

        RestoreWith(concurrency, output, overwrite: true);

        Assert.False(Inode.Of(Path.Join(output, "via")).IsSymlink);
        AssertRestored(output);
        Assert.Empty(TestFiles.Tree(real));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void A_file_in_the_way_of_a_parent_shared_by_many_files_is_a_difference_for_each_of_them(int concurrency)
    {
        SnapshotFilesIn(30, "blk/x", "blk/y", "blk", "top/blk/z", "top/ok");
        string output = Temp.CreateDirectory("out");
        string blocker = TestFiles.WriteDense(Path.Join(output, "blk"), [1]);
        string deepBlocker = TestFiles.WriteDense(Path.Join(output, "top", "blk"), [2]);

        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => RestoreWith(concurrency, output));

        Assert.Contains("120 file(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.Equal(["blk", "top", "top/blk"], TestFiles.Tree(output));
        Assert.Equal([1], File.ReadAllBytes(blocker));
        Assert.Equal([2], File.ReadAllBytes(deepBlocker));

        OperationStats stats = RestoreWith(concurrency, output, overwrite: true);

        Assert.Equal(_files.Count, stats.Files);
        Assert.True(Directory.Exists(blocker));
        Assert.True(Directory.Exists(deepBlocker));
        AssertRestored(output);
    }

    [Fact]
    public void Many_files_per_directory_on_many_threads_beside_present_missing_and_blocked_parents()
    {
        string[] directories = ["present", "present/new", "missing/deeper", "blocked", "blocked/below"];
        SnapshotFilesIn(100, directories);
        string output = Temp.CreateDirectory("out");
        RestoreWith(8, output);
        Directory.Delete(Path.Join(output, "missing"), recursive: true);
        Directory.Delete(Path.Join(output, "present", "new"), recursive: true);
        Directory.Delete(Path.Join(output, "blocked"), recursive: true);
        TestFiles.WriteDense(Path.Join(output, "blocked"), [3]);

        OperationStats stats = RestoreWith(8, output, overwrite: true);

        Assert.Equal(100, stats.FilesReused);
        Assert.Equal(200, stats.FilesLinked);
        AssertRestored(output);
        Assert.Equal(_files.Count + 6, TestFiles.Tree(output).Count);
    }
}
