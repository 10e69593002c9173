using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Diffs of two snapshots (records only) and of a snapshot against a directory (content hashed).</summary>
public sealed class DiffTests : EngineTestBase
{
    private const long Mtime = 1_700_000_000_000_000_001;
    private readonly byte[] _a = TestFiles.Pattern(5000, 1);
    private readonly byte[] _b = TestFiles.Pattern(6000, 2);

    public DiffTests()
    {
        Source("same.bin", _a, mtimeNs: Mtime);
        Source("ro.bin", _b, mode: 0x124, mtimeNs: Mtime);
        Source("gone.txt", "gone"u8.ToArray(), mtimeNs: Mtime);
        Source("dir/changes.txt", "before"u8.ToArray(), mtimeNs: Mtime);
        Snapshot("app", "v1", new FileSpec("same.bin", false), new FileSpec("ro.bin", true), new FileSpec("gone.txt", false), new FileSpec("dir/changes.txt", false));
    }

    private IReadOnlyList<DiffEntry> Diff(string from, string? to = null, string? directory = null) =>
        Engine.Diff(new DiffRequest { From = SnapshotReference.Parse(from), To = to is null ? null : SnapshotReference.Parse(to), Directory = directory });

    private static DiffEntry Changed(string path, DiffReasons reasons) => new(path, DiffKind.Changed, reasons);

    [Fact]
    public void Two_snapshots_differ_by_their_records()
    {
        Source("dir/changes.txt", "after!"u8.ToArray(), mtimeNs: Mtime + 5);
        Source("new.txt", "new"u8.ToArray());
        TestFiles.SetMode(Path.Join(BaseDir, "same.bin"), 0x180);
        Snapshot("app", "v2", new FileSpec("same.bin", false), new FileSpec("ro.bin", false), new FileSpec("dir/changes.txt", false), new FileSpec("new.txt", false));

        Assert.Equal(
            [
                Changed("dir/changes.txt", DiffReasons.Content | DiffReasons.Mtime),
                new("gone.txt", DiffKind.Removed, DiffReasons.None),
                new("new.txt", DiffKind.Added, DiffReasons.None),
                Changed("ro.bin", DiffReasons.ReadOnly),
                Changed("same.bin", DiffReasons.Mode),
            ],
            Diff("app:v1", "app:v2"));
        Assert.Empty(Diff("app:v1", "app:v1"));
        Assert.Equal(DiffKind.Added, Diff("app:v2", "app:v1").Single(e => e.RelativePath == "gone.txt").Kind);
    }

    [Fact]
    public void A_restored_tree_has_no_difference_and_changes_show_with_their_reasons()
    {
        string output = Temp.Combine("out");
        Restore("app", "v1", output);
        Assert.Empty(Diff("app:v1", directory: output));

        TestFiles.WriteDense(Path.Join(output, "dir/changes.txt"), "BEFORE"u8);
        TestFiles.SetMtimeNs(Path.Join(output, "dir/changes.txt"), Mtime);
        TestFiles.SetMode(Path.Join(output, "dir/changes.txt"), 0x1A4);
        TestFiles.SetMtimeNs(Path.Join(output, "same.bin"), Mtime + 1);
        TestFiles.SetMode(Path.Join(output, "same.bin"), 0x1ED);
        File.Delete(Path.Join(output, "gone.txt"));
        Directory.CreateDirectory(Path.Join(output, "gone.txt"));
        File.Delete(Path.Join(output, "ro.bin"));
        File.CreateSymbolicLink(Path.Join(output, "ro.bin"), Path.Join(BaseDir, "ro.bin"));
        TestFiles.WriteDense(Path.Join(output, "extra/new.bin"), _a);
        File.CreateSymbolicLink(Path.Join(output, "link"), "same.bin");
        TestFiles.WriteDense(Path.Join(output, "dir/grown.txt"), "x"u8);

        Assert.Equal(
            [
                Changed("dir/changes.txt", DiffReasons.Content),
                new("dir/grown.txt", DiffKind.Added, DiffReasons.None),
                new("extra", DiffKind.Added, DiffReasons.None),
                new("extra/new.bin", DiffKind.Added, DiffReasons.None),
                Changed("gone.txt", DiffReasons.Type),
                new("link", DiffKind.Added, DiffReasons.None),
                Changed("ro.bin", DiffReasons.Type),
                Changed("same.bin", DiffReasons.Mode | DiffReasons.Mtime),
            ],
            Diff("app:v1", directory: output));
    }

    [Fact]
    public void A_size_difference_is_known_without_reading_and_holes_count_as_content()
    {
        string output = Temp.Combine("out");
        Restore("app", "v1", output);
        TestFiles.WriteDense(Path.Join(output, "same.bin"), _a.AsSpan(0, 10));
        TestFiles.SetMtimeNs(Path.Join(output, "same.bin"), Mtime);
        string dense = TestFiles.WriteDense(Path.Join(BaseDir, "zeros.img"), new byte[64 * 1024]);
        TestFiles.SetMtimeNs(dense, Mtime);
        Snapshot("holes", "v1", new FileSpec("zeros.img", false));
        TestFiles.WriteSparse(Path.Join(output, "zeros.img"), 64 * 1024);
        TestFiles.SetMtimeNs(Path.Join(output, "zeros.img"), Mtime);
        TestFiles.SetMode(Path.Join(output, "zeros.img"), Inode.Of(dense).Permissions);

        Assert.Contains(Changed("same.bin", DiffReasons.Content | DiffReasons.Size), Diff("app:v1", directory: output));
        Assert.Equal([Changed("zeros.img", DiffReasons.Content)], Diff("holes:v1", directory: output).Where(e => e.RelativePath == "zeros.img"));
    }

    [Fact]
    public void Owners_count_against_a_directory_only_when_running_as_root()
    {
        string output = Temp.Combine("out");
        Restore("app", "v1", output);
        bool root = Native.GetEuid() == 0;
        if (root)
        {
            TestFiles.SetOwner(Path.Join(output, "same.bin"), 4242, 4242);
        }

        IReadOnlyList<DiffEntry> diff = Diff("app:v1", directory: output);

        Assert.Equal(root ? [Changed("same.bin", DiffReasons.Owner)] : [], diff);
    }

    [Fact]
    public void Bad_requests_are_refused_naming_what_is_wrong()
    {
        Assert.Contains("exactly one", Expect.Error(ErrorCode.InvalidArgument, () => Diff("app:v1")).Message);
        Assert.Contains("exactly one", Expect.Error(ErrorCode.InvalidArgument, () => Diff("app:v1", "app:v1", Temp.Path)).Message);
        Assert.Contains("does not exist", Expect.Error(ErrorCode.NotFound, () => Diff("app:v1", directory: Temp.Combine("missing"))).Message);
        Assert.Contains("not a directory", Expect.Error(ErrorCode.InvalidArgument, () => Diff("app:v1", directory: Path.Join(BaseDir, "same.bin"))).Message);
        Assert.Contains("'app:v9' not found", Expect.Error(ErrorCode.NotFound, () => Diff("app:v1", "app:v9")).Message);
    }
}
