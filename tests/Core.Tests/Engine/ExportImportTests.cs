using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Exports as tar (plain, gzip) and as a directory, imported into another store: everything comes back.</summary>
public sealed class ExportImportTests : EngineTestBase
{
    private const long Mtime = 1_700_000_000_123_456_789;
    private readonly SnapshotEngine _target;
    private readonly string _targetRoot;

    public ExportImportTests()
    {
        Source("config.json", "{\"a\":1}\n"u8.ToArray(), mode: 0x1A4, mtimeNs: Mtime);
        Source("ro/model.bin", TestFiles.Pattern(300_000, 1), mode: 0x124, mtimeNs: Mtime + 1);
        Source("empty", [], mode: 0x180, mtimeNs: Mtime + 2);
        TestFiles.WriteSparse(Path.Join(BaseDir, "disk.img"), 8 << 20, (4096, TestFiles.Pattern(5000, 2)), ((6 << 20) + 8192, TestFiles.Pattern(100, 3)));
        TestFiles.SetMtimeNs(Path.Join(BaseDir, "disk.img"), Mtime + 3);
        TestFiles.WriteSparse(Path.Join(BaseDir, "holes-only.img"), 1 << 20);
        Source($"deep/{new string('d', 120)}/{new string('é', 60)}.txt", "long and not ASCII"u8.ToArray(), mtimeNs: -1_500_000_000);
        Snapshot("app", "v1", Files());
        _targetRoot = Temp.Combine("target");
        _target = SnapshotEngine.Open(new EngineOptions { RootDir = _targetRoot });
    }

    private FileSpec[] Files() =>
        TestFiles.Tree(BaseDir).Where(p => File.Exists(Path.Join(BaseDir, p))).Select(p => new FileSpec(p, p.StartsWith("ro/", StringComparison.Ordinal))).ToArray();

    protected override void Dispose(bool disposing)
    {
        _target.Dispose();
        base.Dispose(disposing);
    }

    private string ExportTar(bool gzip = false, string reference = "app:v1")
    {
        string archive = Temp.Combine($"export-{Guid.NewGuid():n}.tar");
        using var output = Descriptor.Create(archive);
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse(reference), Descriptor = output.Fd, Gzip = gzip });
        return archive;
    }

    private ImportResult ImportTar(string archive, SnapshotEngine? into = null, string? name = null, string? version = null)
    {
        using var input = Descriptor.Read(archive);
        return (into ?? _target).Import(new ImportRequest { Descriptor = input.Fd, Name = name, Version = version });
    }

    /// <summary>The imported snapshot carries every recorded field and restores to the original bytes and holes.</summary>
    private void AssertSameSnapshot(string name = "app", string version = "v1")
    {
        SnapshotDetails original = Engine.Inspect(SnapshotReference.Parse("app:v1"));
        SnapshotDetails imported = _target.Inspect(SnapshotReference.Exact(name, version));
        Assert.Equal(original.Files, imported.Files);
        Assert.Equal(original.Snapshot.CreatedNs, imported.Snapshot.CreatedNs);
        string output = Temp.Combine($"restored-{Guid.NewGuid():n}");
        _target.Restore(new RestoreRequest { Name = name, Version = version, OutputDir = output });
        foreach (SnapshotFileInfo file in original.Files)
        {
            string source = Path.Join(BaseDir, file.RelativePath), restored = Path.Join(output, file.RelativePath);
            Assert.Equal(TestFiles.Read(source), TestFiles.Read(restored));
            Assert.Equal(TestFiles.DataExtents(source), TestFiles.DataExtents(restored));
            Assert.Equal(Inode.Of(source).MtimeNs, Inode.Of(restored).MtimeNs);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_tar_export_imports_into_another_store_unchanged(bool gzip)
    {
        string archive = ExportTar(gzip);

        ImportResult result = ImportTar(archive);

        Assert.Equal(("app", "v1"), (result.Name, result.Version));
        Assert.Equal(Files().Length, result.Stats.Files);
        Assert.Equal(0, result.Stats.FilesReused);
        AssertSameSnapshot();
        Assert.Empty(TestFiles.TempFiles(_targetRoot));
        Assert.Equal(gzip, TestFiles.Read(archive).AsSpan(0, 2).SequenceEqual(new byte[] { 0x1f, 0x8b }));
    }

    [Fact]
    public void A_directory_export_imports_unchanged_and_its_envelope_comes_last()
    {
        string exported = Temp.Combine("exported");

        OperationStats stats = Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app@latest"), OutputDir = exported });

        Assert.Equal(Files().Length, stats.Files);
        Assert.True(File.Exists(Path.Join(exported, "snapshot.json")));
        Assert.Equal(TestFiles.DataExtents(Path.Join(BaseDir, "disk.img")), TestFiles.DataExtents(Path.Join(exported, "files/disk.img")));
        Assert.NotEqual(Inode.Of(Path.Join(BaseDir, "ro/model.bin")).Number, Inode.Of(Path.Join(exported, "files/ro/model.bin")).Number);
        _target.Import(new ImportRequest { InputDir = exported });
        AssertSameSnapshot();
        Assert.Contains("not empty", Expect.Error(ErrorCode.AlreadyExists, () =>
            Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1"), OutputDir = exported })).Message);
    }

    [Fact]
    public void An_import_can_rename_and_an_identical_one_is_success()
    {
        string archive = ExportTar();

        ImportTar(archive, name: "copy", version: "v7");
        ImportResult again = ImportTar(archive, name: "copy", version: "v7");

        Assert.Equal(again.Stats.Files, again.Stats.FilesReused);
        AssertSameSnapshot("copy", "v7");
        Source("config.json", "{\"a\":2}\n"u8.ToArray(), mtimeNs: Mtime);
        Snapshot("app", "v2", Files());
        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => ImportTar(ExportTar(reference: "app:v2"), name: "copy", version: "v7"));
        Assert.Contains("'copy:v7' already exists and differs", e.Message);
        Assert.Contains("'config.json' differs", e.Message);
    }

    [Fact]
    public void Importing_into_the_store_it_came_from_reuses_all_content()
    {
        ImportResult result = ImportTar(ExportTar(), into: Engine, name: "again", version: "v1");

        Assert.Equal(result.Stats.Files, result.Stats.FilesReused);
        Assert.Equal(0, result.Stats.BytesWritten);
        Assert.Empty(TestFiles.TempFiles(RootDir));
    }

    [Fact]
    public void Bad_requests_are_refused()
    {
        Assert.Contains("exactly one", Expect.Error(ErrorCode.InvalidArgument, () => Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1") })).Message);
        Assert.Contains("exactly one", Expect.Error(ErrorCode.InvalidArgument, () => _target.Import(new ImportRequest())).Message);
        Assert.Contains("gzip", Expect.Error(ErrorCode.InvalidArgument, () =>
            Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1"), OutputDir = Temp.Combine("x"), Gzip = true })).Message);
        Assert.Contains("both name and snapshot_version", Expect.Error(ErrorCode.InvalidArgument, () =>
            _target.Import(new ImportRequest { InputDir = Temp.Path, Name = "x" })).Message);
        Assert.Contains("'app:v9' not found", Expect.Error(ErrorCode.NotFound, () =>
            Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v9"), OutputDir = Temp.Combine("y") })).Message);
    }
}
