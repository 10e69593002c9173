using Snapshotter.Engine;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

/// <summary>
/// Our tar streams against GNU tar, both ways: GNU tar extracts an export exactly (bytes, modes, nanosecond mtimes,
/// holes), and archives GNU tar made (of a plain directory, in its own and in POSIX format, sparse or not, gzip or
/// not, and of an export directory) import.
/// </summary>
public sealed class GnuTarInteropTests : EngineTestBase
{
    private const long Mtime = 1_700_000_000_123_456_789;
    private static readonly string[] Paths = ["a.txt", "dir/dense.bin", "dir/sparse.img", "holes-only.img", "empty", $"{new string('n', 150)}/é.txt"];

    public GnuTarInteropTests()
    {
        Source(Paths[0], "text\n"u8.ToArray(), mode: 0x1A4, mtimeNs: Mtime);
        Source(Paths[1], TestFiles.Pattern(200_000, 1), mode: 0x1ED, mtimeNs: Mtime + 1);
        TestFiles.WriteSparse(Path.Join(BaseDir, Paths[2]), 16 << 20, (0, TestFiles.Pattern(4096, 2)), (8 << 20, TestFiles.Pattern(12_288, 3)));
        TestFiles.WriteSparse(Path.Join(BaseDir, Paths[3]), 3 << 20);
        Source(Paths[4], [], mode: 0x124, mtimeNs: Mtime + 4);
        Source(Paths[5], "é"u8.ToArray(), mtimeNs: Mtime + 5);
        TestFiles.SetMtimeNs(Path.Join(BaseDir, Paths[2]), Mtime + 2);
        TestFiles.SetMtimeNs(Path.Join(BaseDir, Paths[3]), Mtime + 3);
        Snapshot("app", "v1", Paths.Select(p => new FileSpec(p, false)).ToArray());
    }

    private string Export(bool gzip)
    {
        string archive = Temp.Combine(gzip ? "export.tar.gz" : "export.tar");
        using var output = Descriptor.Create(archive);
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1"), Descriptor = output.Fd, Gzip = gzip });
        return archive;
    }

    private ImportResult Import(string archive, string? name = null, string? version = null)
    {
        using var input = Descriptor.Read(archive);
        return Engine.Import(new ImportRequest { Descriptor = input.Fd, Name = name, Version = version });
    }

    private void AssertSameFile(string expected, string actual, bool nanoseconds = true)
    {
        Assert.Equal(TestFiles.Read(expected), TestFiles.Read(actual));
        Assert.Equal(TestFiles.DataExtents(expected), TestFiles.DataExtents(actual));
        Inode want = Inode.Of(expected), got = Inode.Of(actual);
        Assert.Equal(want.Permissions, got.Permissions);
        Assert.Equal(nanoseconds ? want.MtimeNs : want.MtimeNs / 1_000_000_000, nanoseconds ? got.MtimeNs : got.MtimeNs / 1_000_000_000);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gnu_tar_extracts_an_export_with_its_holes(bool gzip)
    {
        string archive = Export(gzip);
        string extracted = Temp.CreateDirectory("extracted");

        Tool.Run("tar", gzip ? "-xzf" : "-xf", archive, "-C", extracted);

        Assert.Equal("snapshot.json", Tool.Run("tar", gzip ? "-tzf" : "-tf", archive).Split('\n')[0]);
        foreach (string path in Paths)
        {
            AssertSameFile(Path.Join(BaseDir, path), Path.Join(extracted, "files", path));
        }

        Assert.True(Inode.Of(Path.Join(extracted, "files", Paths[2])).AllocatedBytes < 1 << 20, "the sparse file was extracted dense");
        Assert.Equal(0, Inode.Of(Path.Join(extracted, "files", Paths[3])).AllocatedBytes);
        Assert.Contains("\"name\": \"app\"", File.ReadAllText(Path.Join(extracted, "snapshot.json")));
    }

    [Theory]
    [InlineData("--format=gnu")]
    [InlineData("--format=posix")]
    public void A_plain_tar_gnu_tar_made_of_a_directory_imports_under_the_name_given(string format)
    {
        string archive = Temp.Combine("plain.tar");
        Tool.Run("tar", format, "-cf", archive, "-C", BaseDir, ".");

        ImportResult result = Import(archive, "plain", "v1");

        // Its directories are entries too: "dir" and the one of the long name.
        Assert.Equal(Paths.Length + 2, result.Stats.Files);
        string output = Temp.Combine("out");
        Engine.Restore(new RestoreRequest { Name = "plain", Version = "v1", OutputDir = output });
        foreach (string path in Paths.Where(p => !p.EndsWith(".img", StringComparison.Ordinal)))
        {
            AssertSameFile(Path.Join(BaseDir, path), Path.Join(output, path), nanoseconds: format == "--format=posix");
        }

        Assert.Equal(TestFiles.Read(Path.Join(BaseDir, Paths[2])), TestFiles.Read(Path.Join(output, Paths[2])));
    }

    [Fact]
    public void A_sparse_posix_tar_made_by_gnu_tar_keeps_holes_and_digests()
    {
        string archive = Temp.Combine("sparse.tar.gz");
        Tool.Run("tar", "--format=posix", "--sparse", "-czf", archive, "-C", BaseDir, ".");

        Import(archive, "sparse", "v1");

        Assert.Equal(Engine.Inspect(SnapshotReference.Parse("app:v1")).Files.Select(f => (f.RelativePath, f.Digest, f.Size)),
            Engine.Inspect(SnapshotReference.Parse("sparse:v1")).Files.Where(f => f.Digest.Length > 0).Select(f => (f.RelativePath, f.Digest, f.Size)));
    }

    [Fact]
    public void A_tar_gnu_tar_made_of_an_export_directory_imports_with_every_digest_checked()
    {
        string exported = Temp.Combine("exported");
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1"), OutputDir = exported });
        string archive = Temp.Combine("of-export.tar");
        Tool.Run("tar", "--format=posix", "--sparse", "--sort=name", "-cf", archive, "-C", exported, ".");

        ImportResult result = Import(archive, "copy", "v1");

        Assert.Equal(Paths.Length, result.Stats.Files);
        Assert.Equal(Engine.Inspect(SnapshotReference.Parse("app:v1")).Files, Engine.Inspect(SnapshotReference.Parse("copy:v1")).Files);
    }
}
