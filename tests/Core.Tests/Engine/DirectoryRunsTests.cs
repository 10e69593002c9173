using Snapshotter.Engine;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// The runs a restore's passes open a parent directory once for: every index once and in order, each run within one
/// directory and no longer than the limit, a directory's entries split where a subdirectory's come between them in
/// path order; the run's parent opened once, beneath the output dir, and refused for an entry of another directory.
/// </summary>
public sealed class DirectoryRunsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static FileRecord Entry(string path) => new(path, null, false, 0x1A4, 0, 0, 0, 0, 0, EntryType.Regular);

    private static List<ArraySegment<int>> AllRuns(List<FileRecord> files) => DirectoryRuns.Of([.. Enumerable.Range(0, files.Count)], files);

    [Fact]
    public void Runs_cover_every_index_in_order_within_one_directory_each()
    {
        // Path order: "a/b.txt" < "a/b/c" < "a/d", so a's entries come on both sides of a/b's.
        string[] paths = ["a/a", "a/b.txt", "a/b/c", "a/b/e", "a/d", "root-1", "root-2", "z/y/x"];
        List<FileRecord> files = [.. paths.Select(Entry)];

        List<ArraySegment<int>> runs = AllRuns(files);

        Assert.Equal(
            [["a/a", "a/b.txt"], ["a/b/c", "a/b/e"], ["a/d"], ["root-1", "root-2"], ["z/y/x"]],
            runs.Select(run => run.Select(i => paths[i]).ToArray()).ToArray());
    }

    [Fact]
    public void A_large_directory_is_cut_into_runs_of_at_most_the_limit()
    {
        List<FileRecord> files = [.. Enumerable.Range(0, 2 * DirectoryRuns.MaxEntries + 5).Select(i => Entry($"big/{i:D5}"))];

        List<ArraySegment<int>> runs = AllRuns(files);

        Assert.Equal([DirectoryRuns.MaxEntries, DirectoryRuns.MaxEntries, 5], runs.Select(r => r.Count));
        Assert.Equal(Enumerable.Range(0, files.Count), runs.SelectMany(r => r));
    }

    [Fact]
    public void Runs_of_chosen_indices_skip_the_others()
    {
        List<FileRecord> files = [.. new[] { "d/1", "d/2", "d/3", "e/1", "e/2" }.Select(Entry)];

        List<ArraySegment<int>> runs = DirectoryRuns.Of([0, 2, 4], files);

        Assert.Equal([[0, 2], [4]], runs.Select(r => r.ToArray()).ToArray());
        Assert.Empty(DirectoryRuns.Of([], files));
    }

    [Fact]
    public void The_parent_opens_once_beneath_the_root_and_refuses_an_entry_of_another_directory()
    {
        string root = _temp.CreateDirectory("root");
        Directory.CreateDirectory(Path.Join(root, "a", "b"));
        using OutputTree tree = OutputTree.Open(root);

        using (var parent = new DirectoryRuns.Parent(tree, "a/b/file-1"))
        {
            TreeDirectory opened = parent.Of("a/b/file-1");
            Assert.Equal(Path.Join(root, "a/b"), opened.Path);
            Assert.Same(opened, parent.Of("a/b/file-2"));
            Assert.Throws<InvalidOperationException>(() => parent.Of("a/file-3"));
            Assert.Throws<InvalidOperationException>(() => parent.Of("a/b/c/file-4"));
        }

        using var atRoot = new DirectoryRuns.Parent(tree, "top");
        Assert.Equal(root, atRoot.Of("top").Path);
    }
}
