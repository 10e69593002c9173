using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Restores limited to paths and globs: only the selected files are fetched, planned and written.</summary>
public sealed class PartialRestoreTests : EngineTestBase
{
    private static readonly string[] Paths = ["config.json", "models/a.bin", "models/sub/b.bin", "models/sub/c.txt", "logs/x.log"];

    public PartialRestoreTests()
    {
        foreach (string path in Paths)
        {
            Source(path, TestFiles.Pattern(1000 + path.Length, path.Length));
        }

        Snapshot("app", "v1", Paths.Select(p => new FileSpec(p, false)).ToArray());
    }

    private List<string> RestoreOnly(params string[] only)
    {
        string output = Temp.Combine($"out-{Guid.NewGuid():n}");
        OperationStats stats = Engine.Restore(new RestoreRequest { Reference = SnapshotReference.Parse("app:v1"), OutputDir = output, Only = only });
        List<string> files = TestFiles.Tree(output).Where(p => File.Exists(Path.Join(output, p))).ToList();
        Assert.Equal(files.Count, stats.Files);
        return files;
    }

    [Fact]
    public void Paths_directories_and_globs_select_files()
    {
        Assert.Equal(["config.json"], RestoreOnly("config.json"));
        Assert.Equal(["models/a.bin", "models/sub/b.bin", "models/sub/c.txt"], RestoreOnly("models"));
        Assert.Equal(["models/a.bin", "models/sub/b.bin"], RestoreOnly("**/*.bin"));
        Assert.Equal(["logs/x.log", "models/sub/c.txt"], RestoreOnly("models/sub/*.txt", "logs/"));
    }

    [Fact]
    public void A_pattern_that_selects_nothing_writes_nothing()
    {
        string output = Temp.Combine("out");

        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () =>
            Engine.Restore(new RestoreRequest { Name = "app", Version = "v1", OutputDir = output, Only = ["models", "modles/*.bin"] }));

        Assert.Contains("'modles/*.bin' matches no file of snapshot 'app:v1'", e.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_malformed_pattern_is_refused_by_its_index()
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () =>
            Engine.Restore(new RestoreRequest { Name = "app", Version = "v1", Only = ["models", "../etc"] }));

        Assert.Contains("only[1] '../etc' contains '..'", e.Message);
    }
}
