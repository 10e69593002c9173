using Snapshotter.Engine;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

/// <summary>
/// Whole trees through import and export against GNU tar: the sample tree of <see cref="TreeListing"/> (every entry
/// type, owners, setuid bits, xattrs and ACLs, names that are not UTF-8, holes, nanosecond mtimes), archived by
/// `tar --xattrs --format=pax --sparse`, imports as a snapshot that restores as the same tree (tests/tree/compare.py);
/// its export, extracted by `tar --xattrs -xp`, and its export directory are the same tree again, and both import
/// back as the same snapshot.
/// </summary>
public sealed class TreeArchiveTests : EngineTestBase
{
    private readonly string _source;

    public TreeArchiveTests()
    {
        _source = Temp.Combine("tree");
        TreeListing.MakeSample(_source);
        string archive = Temp.Combine("gnu.tar");
        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "--format=pax", "--sparse", "-cf", archive, "-C", _source, ".");
        Import(archive, "tree", "v1");
    }

    protected override void Dispose(bool disposing)
    {
        TreeListing.Remove(Temp.Path);
        base.Dispose(disposing);
    }

    private ImportResult Import(string archive, string? name = null, string? version = null)
    {
        using var input = Descriptor.Read(archive);
        return Engine.Import(new ImportRequest { Descriptor = input.Fd, Name = name, Version = version });
    }

    private string Export(string reference, string file)
    {
        string archive = Temp.Combine(file);
        using var output = Descriptor.Create(archive);
        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse(reference), Descriptor = output.Fd });
        return archive;
    }

    [Fact]
    public void Gnu_tar_extracts_the_export_of_an_imported_tree_as_the_tree()
    {
        string extracted = Temp.CreateDirectory("extracted");

        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "-xpf", Export("tree:v1", "export.tar"), "-C", extracted);

        string differences = TreeListing.Differences(_source, Path.Join(extracted, "files"));
        Assert.True(differences.Length == 0, differences);
    }

    [Fact]
    public void The_imported_tree_restores_as_the_tree()
    {
        string output = Temp.Combine("restored");

        Engine.Restore(new RestoreRequest { Name = "tree", Version = "v1", OutputDir = output });

        string differences = TreeListing.Differences(_source, output);
        Assert.True(differences.Length == 0, differences);
    }

    [Fact]
    public void An_export_directory_holds_the_tree_and_imports_back_as_the_same_snapshot()
    {
        string exported = Temp.Combine("exported");

        Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("tree:v1"), OutputDir = exported });
        Engine.Import(new ImportRequest { InputDir = exported, Name = "from-dir", Version = "v1" });

        string differences = TreeListing.Differences(_source, Path.Join(exported, "files"));
        Assert.True(differences.Length == 0, differences);
        Assert.Equal(Engine.Inspect(SnapshotReference.Parse("tree:v1")).Files, Engine.Inspect(SnapshotReference.Parse("from-dir:v1")).Files);
    }

    [Fact]
    public void An_export_imports_back_as_the_same_snapshot_and_exports_the_same_bytes()
    {
        string first = Export("tree:v1", "first.tar");
        Engine.Delete(SnapshotReference.Parse("tree:v1"));

        Import(first);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(Export("tree:v1", "second.tar")));
        Import(first, "copy", "v1");
        Assert.Equal(Engine.Inspect(SnapshotReference.Parse("tree:v1")).Files, Engine.Inspect(SnapshotReference.Parse("copy:v1")).Files);
    }

    [Fact]
    public void The_import_holds_every_entry_gnu_tar_archived()
    {
        // Everything but the root and the socket, which tar leaves out.
        int entries = TreeListing.Of(_source).Count;

        Assert.Equal(entries, Engine.Inspect(SnapshotReference.Parse("tree:v1")).Files.Count);
    }
}
