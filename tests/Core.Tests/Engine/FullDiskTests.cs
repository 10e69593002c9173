using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// A store on a real 8 MiB tmpfs, filled up: what already is stored can still be snapshotted, and a snapshot that
/// needs space it cannot get fails with NO_SPACE and leaves nothing behind.
/// </summary>
public sealed class FullDiskTests : EngineTestBase
{
    private const int TmpfsMiB = 8;
    private readonly SmallTmpfs _tmpfs;
    private readonly byte[] _stored = TestFiles.Pattern(2_500_000, 51);

    public FullDiskTests()
    {
        _tmpfs = new SmallTmpfs(RootDir, TmpfsMiB);
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            DisposeEngines();
        }
        finally
        {
            _tmpfs.Dispose();
            base.Dispose(disposing);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Content_already_stored_is_snapshotted_with_less_free_space_than_the_file_needs(bool readOnly)
    {
        Source("first/model.bin", _stored);
        Snapshot("model", "v1", new FileSpec("first/model.bin", readOnly));
        Source("second/model.bin", _stored);
        _tmpfs.Fill(leaveFreeBytes: 1_500_000);

        Snapshot("model", "v2", new FileSpec("second/model.bin", readOnly));

        Assert.Empty(TestFiles.TempFiles(RootDir));
        string output = Temp.Combine("out");
        Restore("model", "v2", output);
        Assert.Equal(_stored, File.ReadAllBytes(Path.Join(output, "second/model.bin")));
    }

    [Fact]
    public void New_content_that_does_not_fit_fails_with_no_space_and_leaves_nothing_behind()
    {
        Source("model.bin", _stored);
        Snapshot("model", "v1", new FileSpec("model.bin", false));
        Source("new.bin", TestFiles.Pattern(2_500_000, 52));
        _tmpfs.Fill(leaveFreeBytes: 1_500_000);
        List<string> before = StoreListing();

        Expect.Error(ErrorCode.NoSpace, () => Snapshot("model", "v2", new FileSpec("model.bin", false), new FileSpec("new.bin", false)));

        Assert.Equal(before, StoreListing());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Equal(["v1"], Engine.List("model").Select(s => s.Version));
        Assert.Empty(Engine.Verify(new Snapshotter.Verify.VerifyRequest()).Problems);
    }

    [Fact]
    public void An_import_of_content_already_stored_needs_no_room_for_a_copy()
    {
        Source("model.bin", _stored);
        Snapshot("model", "v1", new FileSpec("model.bin", false));
        string exported = Temp.Combine("exported");
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("model:v1"), OutputDir = exported });
        _tmpfs.Fill(leaveFreeBytes: 1_500_000);

        Engine.Import(new ImportRequest { InputDir = exported, Name = "model", Version = "imported" });

        Assert.Empty(TestFiles.TempFiles(RootDir));
        string output = Temp.Combine("out");
        Restore("model", "imported", output);
        Assert.Equal(_stored, File.ReadAllBytes(Path.Join(output, "model.bin")));
    }
}
