using System.Collections.Concurrent;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Gc;
using Snapshotter.Tests.Support;
using Snapshotter.Verify;

namespace Snapshotter.Tests.Gc;

/// <summary>
/// Several threads on two handles snapshot and restore while collections evict everything they may, all the
/// time: no call fails because of a collection, a restore misses only snapshots a collection reported evicted,
/// and the store verifies clean with every remaining snapshot restoring byte for byte.
/// </summary>
public sealed class CollectionStressTests : EngineTestBase
{
    private const int Workers = 4;
    private const int Iterations = 12;
    private const int SharedFiles = 6;

    private static readonly GcOptions EvictEverything = new()
    {
        Background = false,
        HighWatermarkPercent = 1,
        LowWatermarkPercent = 0,
        MinRetention = TimeSpan.Zero,
        OrphanGracePeriod = TimeSpan.Zero,
    };

    [Fact]
    public void Snapshots_restores_and_collections_at_once_never_fail_nor_lose_what_was_committed()
    {
        SnapshotEngine[] engines = [OpenEngine(new EngineOptions { RootDir = RootDir, Gc = EvictEverything }), OpenEngine(new EngineOptions { RootDir = RootDir, Gc = EvictEverything })];
        var shared = Enumerable.Range(0, SharedFiles).Select(i => (Path: $"shared/{i}.bin", Bytes: TestFiles.Pattern(20_000 * (i + 1), 100 + i))).ToArray();
        foreach ((string path, byte[] bytes) in shared)
        {
            Source(path, bytes);
        }

        var expected = new ConcurrentDictionary<string, Dictionary<string, byte[]>>();
        var evicted = new ConcurrentDictionary<string, bool>();
        var missing = new ConcurrentBag<string>();
        var failures = new ConcurrentBag<string>();
        int running = Workers;
        long restored = 0;

        void Work(int worker)
        {
            var random = new Random(worker);
            SnapshotEngine engine = engines[worker % engines.Length];
            try
            {
                for (int i = 0; i < Iterations; i++)
                {
                    string unique = $"w{worker}/u{i}.bin";
                    byte[] uniqueBytes = TestFiles.Pattern(5_000 + i, (worker * 1000) + i);
                    Source(unique, uniqueBytes);
                    var picks = shared.OrderBy(_ => random.Next()).Take(2).ToArray();
                    var files = new List<FileSpec> { new(unique, false) };
                    files.AddRange(picks.Select(p => new FileSpec(p.Path, random.Next(2) == 0)));
                    string version = $"v{i}";
                    engine.Snapshot(SnapshotOf($"w{worker}", version, BaseDir, [.. files]));
                    expected[$"w{worker}:{version}"] = picks.Append((Path: unique, Bytes: uniqueBytes)).ToDictionary(p => p.Path, p => p.Bytes);

                    string target = $"w{worker}:v{random.Next(i + 1)}";
                    string output = Temp.Combine($"out-{worker}-{i}");
                    try
                    {
                        engine.Restore(new RestoreRequest { Name = target.Split(':')[0], Version = target.Split(':')[1], OutputDir = output });
                        foreach ((string path, byte[] bytes) in expected[target])
                        {
                            if (!File.ReadAllBytes(Path.Join(output, path)).AsSpan().SequenceEqual(bytes))
                            {
                                failures.Add($"{target}: '{path}' restored with other bytes");
                            }
                        }

                        Interlocked.Increment(ref restored);
                    }
                    catch (SnapshotterException e) when (e.Code == ErrorCode.NotFound && e.Message == $"snapshot '{target}' not found")
                    {
                        missing.Add(target);
                    }
                }
            }
            catch (Exception e)
            {
                failures.Add($"worker {worker}: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        }

        int collections = 0;
        void Collect()
        {
            try
            {
                while (Volatile.Read(ref running) > 0 || collections == 0)
                {
                    foreach (EvictedSnapshot e in engines[collections % engines.Length].Collect(dryRun: false).Evicted)
                    {
                        evicted[$"{e.Name}:{e.Version}"] = true;
                    }

                    collections++;
                }
            }
            catch (Exception e)
            {
                failures.Add($"collector: {e.GetType().Name}: {e.Message}");
            }
        }

        Thread[] threads = [.. Enumerable.Range(0, Workers).Select(w => new Thread(() => Work(w))), new Thread(Collect)];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Empty(failures);
        Assert.All(missing, m => Assert.True(evicted.ContainsKey(m), $"{m} was not found but no collection evicted it"));
        Assert.NotEmpty(evicted);
        Assert.True(restored > 0);

        VerifyReport report = engines[0].Verify(new VerifyRequest());
        Assert.Empty(report.Problems);
        foreach ((string snapshot, Dictionary<string, byte[]> files) in expected.Where(e => !evicted.ContainsKey(e.Key)))
        {
            string output = Temp.Combine("final-" + snapshot.Replace(':', '-'));
            engines[1].Restore(new RestoreRequest { Name = snapshot.Split(':')[0], Version = snapshot.Split(':')[1], OutputDir = output });
            Assert.All(files, f => Assert.Equal(f.Value, File.ReadAllBytes(Path.Join(output, f.Key))));
        }
    }
}
