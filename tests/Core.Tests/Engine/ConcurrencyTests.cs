using System.Collections.Concurrent;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Several handles on one root, used from several threads at once, never see each other's partial state.</summary>
public sealed class ConcurrencyTests : EngineTestBase
{
    private static void RunThreads(int count, Action<int> body, TimeSpan timeout)
    {
        var errors = new ConcurrentBag<Exception>();
        using var start = new Barrier(count);
        Thread[] threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                body(i);
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(timeout), "a worker thread hung");
        }

        Assert.Empty(errors);
    }

    [Fact]
    public void Two_engines_snapshot_and_restore_concurrently_from_several_threads()
    {
        SnapshotEngine[] engines = [OpenEngine(), OpenEngine(concurrency: 2)];
        const int Threads = 4;
        const int Iterations = 3;

        // Content every snapshot shares (read-only from one source inode, and writable), so stores race on it.
        byte[] shared = TestFiles.Pattern(1 << 20, 100);
        Source("shared/ro.bin", shared, mode: 0x124, mtimeNs: 1_700_000_000_000_000_001);
        Source("shared/rw.bin", shared, mode: 0x1A4, mtimeNs: 1_700_000_000_000_000_002);
        var committed = new ConcurrentQueue<(string Version, string Unique, byte[] Bytes)>();

        RunThreads(Threads, t =>
        {
            SnapshotEngine engine = engines[t % 2];
            for (int i = 0; i < Iterations; i++)
            {
                string unique = $"t{t}/i{i}.bin";
                byte[] bytes = TestFiles.Pattern(200_000 + i, (t * 100) + i);
                Source(unique, bytes);
                string version = $"t{t}-i{i}";
                engine.Snapshot(SnapshotOf("conc", version, BaseDir, new FileSpec("shared/ro.bin", true), new FileSpec("shared/rw.bin", false), new FileSpec(unique, false)));
                committed.Enqueue((version, unique, bytes));

                // Restore this snapshot and one made by any thread so far, through the other engine too.
                foreach ((string v, string u, byte[] b) in new[] { (version, unique, bytes), committed.ElementAt(Random.Shared.Next(committed.Count)) })
                {
                    string output = Temp.Combine("out", $"t{t}-i{i}-{v}-{Guid.NewGuid():N}");
                    engines[(t + i) % 2].Restore(new RestoreRequest { Name = "conc", Version = v, OutputDir = output });
                    Assert.Equal(shared, File.ReadAllBytes(Path.Join(output, "shared/ro.bin")));
                    Assert.Equal(shared, File.ReadAllBytes(Path.Join(output, "shared/rw.bin")));
                    Assert.Equal(b, File.ReadAllBytes(Path.Join(output, u)));
                    Assert.Equal(0x1A4u, Inode.Of(Path.Join(output, "shared/rw.bin")).Permissions);
                    Assert.Equal(1_700_000_000_000_000_001, Inode.Of(Path.Join(output, "shared/ro.bin")).MtimeNs);
                }
            }
        }, TimeSpan.FromSeconds(60));

        Assert.Equal(Threads * Iterations, committed.Count);
        Assert.Empty(TestFiles.TempFiles(RootDir));
        // One object for the shared content (read-only and writable alike), one per unique file.
        Assert.Equal(1 + (Threads * Iterations), TestFiles.Tree(ContentDir).Count);
        Assert.Single(TestFiles.Tree(SnapshotDir));
    }

    [Fact]
    public void The_same_name_and_version_raced_from_two_threads_succeeds_exactly_once()
    {
        SnapshotEngine[] engines = [OpenEngine(), OpenEngine()];
        Source("a.bin", TestFiles.Pattern(300_000, 1));
        Source("b.bin", TestFiles.Pattern(300_000, 2));
        string[] contenders = ["a.bin", "b.bin"];

        for (int round = 0; round < 5; round++)
        {
            var winners = new ConcurrentBag<string>();
            var losers = new ConcurrentBag<SnapshotterException>();
            string version = $"r{round}";
            RunThreads(2, t =>
            {
                try
                {
                    engines[t].Snapshot(SnapshotOf("race", version, BaseDir, new FileSpec(contenders[t], t == 0)));
                    winners.Add(contenders[t]);
                }
                catch (SnapshotterException e) when (e.Code == ErrorCode.AlreadyExists)
                {
                    losers.Add(e);
                }
            }, TimeSpan.FromSeconds(30));

            string winner = Assert.Single(winners);
            SnapshotterException loser = Assert.Single(losers);
            Assert.Contains($"race:{version}", loser.Message, StringComparison.Ordinal);

            string output = Temp.Combine("out", version);
            Restore("race", version, output);
            Assert.Equal([winner], TestFiles.Tree(output));
            Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, winner)), File.ReadAllBytes(Path.Join(output, winner)));
        }

        Assert.Empty(TestFiles.TempFiles(RootDir));
    }

    [Fact]
    public void Restores_of_one_snapshot_into_one_directory_race_harmlessly()
    {
        Source("ro.bin", TestFiles.Pattern(500_000, 1));
        Source("rw.bin", TestFiles.Pattern(500_000, 2));
        Snapshot("shared", "v1", new FileSpec("ro.bin", true), new FileSpec("rw.bin", false));
        SnapshotEngine[] engines = [Engine, OpenEngine()];
        string output = Temp.Combine("out");

        RunThreads(4, t => engines[t % 2].Restore(new RestoreRequest { Name = "shared", Version = "v1", OutputDir = output }), TimeSpan.FromSeconds(30));

        Assert.Equal(["ro.bin", "rw.bin"], TestFiles.Tree(output));
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "ro.bin")), File.ReadAllBytes(Path.Join(output, "ro.bin")));
        Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, "rw.bin")), File.ReadAllBytes(Path.Join(output, "rw.bin")));
    }
}
