using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Progress;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Dispose stops the calls in flight (CLOSED), waits for them, and refuses later calls (CLOSED).</summary>
public sealed class DisposeTests : EngineTestBase
{
    /// <summary>
    /// A progress callback that, on its first report with data done, disposes the engine from another thread and
    /// returns once Dispose has cancelled and is waiting for this call. When Dispose returns, it captures what the
    /// disk looks like: the call must be over by then, with nothing left half-written.
    /// </summary>
    private sealed class DisposeMidCall(SnapshotEngine engine, Func<List<string>> observe)
    {
        private Thread? _disposer;

        public List<string>? ObservedWhenDisposeReturned { get; private set; }

        public void OnProgress(ProgressReport report)
        {
            if (report.BytesDone == 0 || _disposer is not null)
            {
                return;
            }

            _disposer = new Thread(() =>
            {
                engine.Dispose();
                ObservedWhenDisposeReturned = observe();
            });
            _disposer.Start();

            // Dispose cancels first, then blocks waiting for the calls in flight.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((_disposer.ThreadState & ThreadState.WaitSleepJoin) == 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(1);
            }

            Thread.Sleep(20);
        }

        public void Join() => Assert.True(_disposer?.Join(TimeSpan.FromSeconds(30)), "Dispose never returned");
    }

    [Fact]
    public void Dispose_leaves_no_descriptor_open_on_the_metadata_database()
    {
        SnapshotEngine engine = OpenEngine();
        File.WriteAllText(Path.Join(BaseDir, "a.txt"), "a");
        engine.Snapshot(SnapshotOf("fds", "v1", BaseDir, new FileSpec("a.txt", false)));
        string database = Path.Join(RootDir, "metadata", "snapshotter.db");
        Assert.Contains(OpenPaths(), p => p.StartsWith(database, StringComparison.Ordinal));

        engine.Dispose();

        Assert.DoesNotContain(OpenPaths(), p => p.StartsWith(database, StringComparison.Ordinal));
        Assert.False(File.Exists(database + "-wal") && new FileInfo(database + "-wal").Length > 0, "the last connection left its WAL to be read again");
    }

    /// <summary>What this process's descriptors point at.</summary>
    private static List<string> OpenPaths()
    {
        var paths = new List<string>();
        foreach (string fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                paths.Add(new FileInfo(fd).LinkTarget ?? "");
            }
            catch (IOException)
            {
                // Closed between the listing and the read.
            }
        }

        return paths;
    }

    [Fact]
    public void Dispose_during_a_snapshot_makes_it_fail_with_closed_and_leaves_nothing()
    {
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider());
        TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), 64L << 20, seed: 1);
        List<string> before = StoreListing();
        var probe = new DisposeMidCall(engine, () => [.. StoreListing(), .. TestFiles.TempFiles(RootDir)]);

        SnapshotterException e = Expect.Error(ErrorCode.Closed, () =>
            engine.Snapshot(SnapshotOf("big", "v1", BaseDir, new FileSpec("big.img", true)) with { Progress = probe.OnProgress }));
        probe.Join();

        Assert.Contains("big:v1", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, probe.ObservedWhenDisposeReturned);
        Assert.Equal(before, StoreListing());
        Assert.Empty(TestFiles.TempFiles(RootDir));

        using SnapshotEngine reopened = SnapshotEngine.Open(new EngineOptions { RootDir = RootDir });
        Expect.Error(ErrorCode.NotFound, () => reopened.Restore(new RestoreRequest { Name = "big", Version = "v1" }));
        Source("small.txt", "small"u8.ToArray());
        reopened.Snapshot(SnapshotOf("big", "v1", BaseDir, new FileSpec("small.txt", false)));
    }

    [Fact]
    public void Dispose_during_a_restore_makes_it_fail_with_closed_and_leaves_no_file()
    {
        TestFiles.WriteLarge(Path.Join(BaseDir, "big.img"), 64L << 20, seed: 2);
        using (SnapshotEngine writer = SnapshotEngine.Open(new EngineOptions { RootDir = RootDir }))
        {
            writer.Snapshot(SnapshotOf("big", "v1", BaseDir, new FileSpec("big.img", false)));
        }

        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider());
        string output = Temp.Combine("out");
        var probe = new DisposeMidCall(engine, () => TestFiles.Tree(output));

        SnapshotterException e = Expect.Error(ErrorCode.Closed, () =>
            engine.Restore(new RestoreRequest { Name = "big", Version = "v1", OutputDir = output, Progress = probe.OnProgress }));
        probe.Join();

        Assert.Contains("big:v1", e.Message, StringComparison.Ordinal);
        Assert.Empty(probe.ObservedWhenDisposeReturned!);
        Assert.Empty(Directory.Exists(output) ? Directory.EnumerateFileSystemEntries(output, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void Calls_after_dispose_fail_with_closed_and_dispose_is_idempotent()
    {
        Source("a.txt", "a"u8.ToArray());
        Snapshot("snap", "v1", new FileSpec("a.txt", false));
        List<string> before = StoreListing();

        Engine.Dispose();
        Engine.Dispose();

        SnapshotterException snapshot = Expect.Error(ErrorCode.Closed, () => Snapshot("snap", "v2", new FileSpec("a.txt", false)));
        Assert.Contains("snap:v2", snapshot.Message, StringComparison.Ordinal);
        SnapshotterException restore = Expect.Error(ErrorCode.Closed, () => Restore("snap", "v1", Temp.Combine("out")));
        Assert.Contains("snap:v1", restore.Message, StringComparison.Ordinal);
        Expect.Error(ErrorCode.Closed, () => Restore("snap", "v1", null));

        Assert.False(Directory.Exists(Temp.Combine("out")));
        Assert.Equal(before, StoreListing());
    }
}
