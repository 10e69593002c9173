using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

/// <summary>Export directories that are incomplete or were tampered with, and imports stopped half-way.</summary>
public sealed class ExportDirectoryTests : EngineTestBase
{
    private readonly string _exported;

    public ExportDirectoryTests()
    {
        Source("a.txt", "alpha\n"u8.ToArray());
        Source("sub/b.bin", TestFiles.Pattern(100_000, 1));
        Snapshot("app", "v1", new FileSpec("a.txt", false), new FileSpec("sub/b.bin", true));
        _exported = Temp.Combine("exported");
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1"), OutputDir = _exported });
        Engine.Delete(SnapshotReference.Parse("app:v1"));
    }

    private SnapshotterException Refused(ErrorCode code, string needle)
    {
        SnapshotterException e = Expect.Error(code, () => Engine.Import(new ImportRequest { InputDir = _exported }));
        Assert.Contains(needle, e.Message);
        Assert.Empty(Engine.List());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Empty(TestFiles.Tree(ContentDir));
        return e;
    }

    [Fact]
    public void Without_its_envelope_a_directory_is_an_unfinished_export()
    {
        File.Delete(Path.Join(_exported, "snapshot.json"));

        Refused(ErrorCode.Corrupt, "holds no snapshot.json");
    }

    [Fact]
    public void A_missing_file_an_extra_one_or_changed_bytes_are_refused()
    {
        string b = Path.Join(_exported, "files/sub/b.bin");
        byte[] original = File.ReadAllBytes(b);
        File.Delete(b);
        Refused(ErrorCode.Corrupt, "incomplete: 'files/sub/b.bin'");

        File.WriteAllBytes(b, original);
        File.WriteAllText(Path.Join(_exported, "files/extra.txt"), "x");
        Refused(ErrorCode.Corrupt, "'files/extra.txt' is not listed");

        File.Delete(Path.Join(_exported, "files/extra.txt"));
        original[500] ^= 1;
        File.WriteAllBytes(b, original);
        Refused(ErrorCode.Corrupt, "'sub/b.bin' does not match snapshot.json");
    }

    [Fact]
    public void Symlinks_in_an_export_directory_are_never_followed()
    {
        string outside = Temp.CreateDirectory("outside");
        File.WriteAllText(Path.Join(outside, "a.txt"), "alpha\n");
        File.Delete(Path.Join(_exported, "files/a.txt"));
        File.CreateSymbolicLink(Path.Join(_exported, "files/a.txt"), Path.Join(outside, "a.txt"));
        Refused(ErrorCode.Corrupt, "'files/a.txt' is not of the type snapshot.json lists for it (Regular)");

        File.Delete(Path.Join(_exported, "files/a.txt"));
        File.Move(Path.Join(_exported, "files/sub/b.bin"), Path.Join(outside, "b.bin"));
        Directory.Delete(Path.Join(_exported, "files/sub"));
        File.Copy(Path.Join(outside, "a.txt"), Path.Join(_exported, "files/a.txt"));
        File.CreateSymbolicLink(Path.Join(_exported, "files/sub"), outside);
        Refused(ErrorCode.Corrupt, "'files/sub' is not listed in snapshot.json");
    }

    [Fact]
    public void A_cancelled_import_leaves_nothing_and_the_name_free()
    {
        // Progress is reported on every chunk with this clock: the first report, mid-import, cancels the call.
        SnapshotEngine stepping = OpenEngine(new SteppingTimeProvider());
        using var cancel = new CancellationTokenSource();
        var request = new ImportRequest { InputDir = _exported, Progress = _ => cancel.Cancel() };

        Expect.Error(ErrorCode.Cancelled, () => stepping.Import(request, cancel.Token));

        Assert.Empty(Engine.List());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Equal("v1", Engine.Import(new ImportRequest { InputDir = _exported }).Version);
    }
}
