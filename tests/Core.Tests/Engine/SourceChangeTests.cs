using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>A source file changed while it is being read fails the snapshot, naming the file; nothing is committed.</summary>
public sealed class SourceChangeTests : EngineTestBase
{
    private const long OldMtime = 1_600_000_000_000_000_000;

    private SnapshotterException SnapshotWhileChanging(string relativePath, bool readOnly, Action<string> change)
    {
        // One file at a time, in order: the change lands while the large file is being read, never before.
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider(), concurrency: 1);
        string path = TestFiles.WriteLarge(Path.Join(BaseDir, relativePath), 8L << 20, seed: 1);
        // An mtime well in the past: any write moves it, whatever the timestamp granularity.
        TestFiles.SetMtimeNs(path, OldMtime);
        Source("steady.txt", "steady"u8.ToArray());
        List<string> before = StoreListing();
        bool changed = false;

        SnapshotterException e = Assert.Throws<SnapshotterException>(() => engine.Snapshot(
            SnapshotOf("moving", "v1", BaseDir, new FileSpec("steady.txt", false), new FileSpec(relativePath, readOnly)) with
            {
                Progress = p =>
                {
                    // Past the 6 bytes of steady.txt: the large file is being read.
                    if (p.BytesDone >= 65536 && !changed)
                    {
                        changed = true;
                        change(path);
                    }
                },
            }));

        Assert.True(changed);
        Assert.Contains(relativePath, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, StoreListing());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Equal(1u, Inode.Of(path).LinkCount);
        Expect.Error(ErrorCode.NotFound, () => engine.Restore(new RestoreRequest { Name = "moving", Version = "v1" }));

        engine.Snapshot(SnapshotOf("moving", "v1", BaseDir, new FileSpec(relativePath, readOnly)));
        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest { Name = "moving", Version = "v1", OutputDir = output });
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(Path.Join(output, relativePath)));
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Appending_during_the_snapshot_fails_it(bool readOnly)
    {
        SnapshotterException e = SnapshotWhileChanging("growing.img", readOnly, path => File.AppendAllText(path, "appended"));
        Assert.Equal(ErrorCode.IO, e.Code);
    }

    [Fact]
    public void Rewriting_bytes_in_place_during_the_snapshot_fails_it()
    {
        SnapshotterException e = SnapshotWhileChanging("rewritten.img", false, path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.Position = 100;
            stream.Write([1, 2, 3, 4]);
        });
        Assert.Equal(ErrorCode.IO, e.Code);
    }

    [Fact]
    public void Truncating_during_the_snapshot_fails_it()
    {
        SnapshotterException e = SnapshotWhileChanging("shrinking.img", false, path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
            stream.SetLength(4096);
        });
        Assert.Equal(ErrorCode.IO, e.Code);
    }
}
