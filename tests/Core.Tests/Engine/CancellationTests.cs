using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Progress;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>A cancelled call returns CANCELLED and leaves nothing visible: no snapshot, no reservation, no temp file.</summary>
public sealed class CancellationTests : EngineTestBase
{
    private const long BigBytes = 200L << 20;

    private void AssertNothingLeft(SnapshotEngine engine, List<string> storeBefore, string name, string version)
    {
        Assert.Equal(storeBefore, StoreListing());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Empty(TestFiles.TempFiles(BaseDir));
        Expect.Error(ErrorCode.NotFound, () => engine.Restore(new RestoreRequest { Name = name, Version = version, OutputDir = null }));

        // The name:version was not left reserved.
        Source("small.txt", "small"u8.ToArray());
        engine.Snapshot(SnapshotOf(name, version, BaseDir, new FileSpec("small.txt", false)));
        string output = Temp.Combine("after-" + version);
        engine.Restore(new RestoreRequest { Name = name, Version = version, OutputDir = output });
        Assert.Equal(["small.txt"], TestFiles.Tree(output));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cancelling_from_the_progress_callback_mid_file_stops_the_snapshot(bool readOnly)
    {
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider());
        string big = TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), BigBytes, seed: 1);
        List<string> before = StoreListing();
        using var cts = new CancellationTokenSource();
        var reports = new List<ProgressReport>();
        SnapshotRequest request = SnapshotOf("big", "v1", BaseDir, new FileSpec("big.img", readOnly)) with
        {
            Progress = p =>
            {
                reports.Add(p);
                if (p.BytesDone > 0)
                {
                    cts.Cancel();
                }
            },
        };

        SnapshotterException e = Expect.Error(ErrorCode.Cancelled, () => engine.Snapshot(request, cts.Token));

        Assert.Contains("big:v1", e.Message, StringComparison.Ordinal);
        Assert.InRange(reports[^1].BytesDone, 1, BigBytes / 2);
        Assert.Equal(1u, Inode.Of(big).LinkCount);
        AssertNothingLeft(engine, before, "big", "v1");
    }

    [Fact]
    public void Cancelling_from_another_thread_mid_file_stops_the_snapshot()
    {
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider());
        TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), BigBytes, seed: 2);
        Source("other.txt", "other"u8.ToArray());
        List<string> before = StoreListing();
        using var cts = new CancellationTokenSource();
        using var reading = new ManualResetEventSlim();
        using var cancelled = new ManualResetEventSlim();
        SnapshotRequest request = SnapshotOf("big", "v1", BaseDir, new FileSpec("other.txt", false), new FileSpec("big.img", false)) with
        {
            Progress = p =>
            {
                if (p.BytesDone > 0 && !reading.IsSet)
                {
                    reading.Set();
                    cancelled.Wait(TimeSpan.FromSeconds(30));
                }
            },
        };

        SnapshotterException? error = null;
        var call = new Thread(() => error = Assert.Throws<SnapshotterException>(() => engine.Snapshot(request, cts.Token)));
        call.Start();
        Assert.True(reading.Wait(TimeSpan.FromSeconds(30)), "the snapshot never reported progress");
        cts.Cancel();
        cancelled.Set();
        Assert.True(call.Join(TimeSpan.FromSeconds(30)), "the snapshot did not stop");

        Assert.Equal(ErrorCode.Cancelled, error?.Code);
        AssertNothingLeft(engine, before, "big", "v1");
    }

    [Fact]
    public void An_already_cancelled_token_writes_nothing()
    {
        Source("a.txt", "a"u8.ToArray());
        List<string> before = StoreListing();

        Expect.Error(ErrorCode.Cancelled, () => Engine.Snapshot(SnapshotOf("pre", "v1", BaseDir, new FileSpec("a.txt", true)), new CancellationToken(canceled: true)));

        Assert.Equal(1u, Inode.Of(Path.Join(BaseDir, "a.txt")).LinkCount);
        AssertNothingLeft(Engine, before, "pre", "v1");
    }

    [Fact]
    public void Cancelling_a_restore_mid_file_leaves_no_file_and_no_temp()
    {
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider());
        TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), 32L << 20, seed: 3);
        Source("small.txt", "small"u8.ToArray());
        engine.Snapshot(SnapshotOf("big", "v1", BaseDir, new FileSpec("small.txt", false), new FileSpec("big.img", false)));
        string output = Temp.Combine("out");
        using var cts = new CancellationTokenSource();
        var request = new RestoreRequest
        {
            Name = "big",
            Version = "v1",
            OutputDir = output,
            Progress = p =>
            {
                if (p.BytesDone > 0)
                {
                    cts.Cancel();
                }
            },
        };

        SnapshotterException e = Expect.Error(ErrorCode.Cancelled, () => engine.Restore(request, cts.Token));

        Assert.Contains("big:v1", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(output) ? Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories) : []);
        Assert.Empty(TestFiles.TempFiles(RootDir));

        engine.Restore(request with { Progress = null });
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "big.img")), File.ReadAllBytes(Path.Join(output, "big.img")));
    }
}
