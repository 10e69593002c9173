using Snapshotter.Engine;
using Snapshotter.Progress;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Progress reports are never concurrent, never go backwards, keep their totals, and end at the totals.</summary>
public sealed class ProgressTests : EngineTestBase
{
    private const int FileCount = 7;

    private sealed class Recorder
    {
        private int _inside;

        public List<ProgressReport> Reports { get; } = [];

        public int MaxConcurrent { get; private set; }

        public void Add(ProgressReport report)
        {
            int now = Interlocked.Increment(ref _inside);
            MaxConcurrent = Math.Max(MaxConcurrent, now);
            Reports.Add(report);
            Thread.Yield();
            Interlocked.Decrement(ref _inside);
        }
    }

    private (FileSpec[] Files, long Bytes) MakeTree()
    {
        TestFiles.WriteLarge(Path.Join(BaseDir, "a.img"), 6L << 20, seed: 1);
        TestFiles.WriteLarge(Path.Join(BaseDir, "b.img"), (3L << 20) + 5, seed: 2);
        TestFiles.WriteSparse(Path.Join(BaseDir, "sparse.img"), 16L << 20, (0, TestFiles.Pattern(2 << 20, 3)), (12L << 20, TestFiles.Pattern(100, 4)));
        TestFiles.WriteSparse(Path.Join(BaseDir, "holes.img"), 5L << 20);
        Source("empty", []);
        Source("small.txt", "small"u8.ToArray());
        TestFiles.WriteLarge(Path.Join(BaseDir, "ro/model.bin"), 4L << 20, seed: 5);
        FileSpec[] files =
        [
            new("a.img", false), new("b.img", false), new("sparse.img", false), new("holes.img", true),
            new("empty", false), new("small.txt", true), new("ro/model.bin", true),
        ];
        Assert.Equal(FileCount, files.Length);
        return (files, files.Sum(f => new FileInfo(Path.Join(BaseDir, f.RelativePath)).Length));
    }

    private static void AssertWellFormed(Recorder recorder, long files, long bytes, int minimumReports)
    {
        List<ProgressReport> reports = recorder.Reports;
        Assert.True(reports.Count >= minimumReports, $"only {reports.Count} reports");
        Assert.Equal(1, recorder.MaxConcurrent);
        Assert.All(reports, r =>
        {
            Assert.Equal(files, r.FilesTotal);
            Assert.Equal(bytes, r.BytesTotal);
            Assert.InRange(r.FilesDone, 0, files);
            Assert.InRange(r.BytesDone, 0, bytes);
        });
        for (int i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].FilesDone >= reports[i - 1].FilesDone, $"files went back at report {i}: {reports[i - 1]} then {reports[i]}");
            Assert.True(reports[i].BytesDone >= reports[i - 1].BytesDone, $"bytes went back at report {i}: {reports[i - 1]} then {reports[i]}");
        }

        Assert.Equal(new ProgressReport(files, files, bytes, bytes), reports[^1]);
    }

    [Fact]
    public void Snapshot_progress_is_monotonic_and_ends_at_the_totals()
    {
        (FileSpec[] files, long bytes) = MakeTree();
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider(), concurrency: 3);
        var recorder = new Recorder();

        engine.Snapshot(SnapshotOf("p", "v1", BaseDir, files) with { Progress = recorder.Add });

        AssertWellFormed(recorder, FileCount, bytes, minimumReports: 3);
    }

    [Fact]
    public void Restore_progress_is_monotonic_and_ends_at_the_totals_whether_files_are_copied_linked_or_reused()
    {
        (FileSpec[] files, long bytes) = MakeTree();
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider(), concurrency: 3);
        engine.Snapshot(SnapshotOf("p", "v1", BaseDir, files));
        string output = Temp.Combine("out");

        var fresh = new Recorder();
        engine.Restore(new RestoreRequest { Name = "p", Version = "v1", OutputDir = output, Progress = fresh.Add });
        AssertWellFormed(fresh, FileCount, bytes, minimumReports: 3);

        var reused = new Recorder();
        engine.Restore(new RestoreRequest { Name = "p", Version = "v1", OutputDir = output, Progress = reused.Add });
        AssertWellFormed(reused, FileCount, bytes, minimumReports: 1);

        var checkOnly = new Recorder();
        engine.Restore(new RestoreRequest { Name = "p", Version = "v1", OutputDir = null, Progress = checkOnly.Add });
        AssertWellFormed(checkOnly, FileCount, bytes, minimumReports: 1);
    }

    [Fact]
    public void With_the_real_clock_the_final_report_still_equals_the_totals()
    {
        (FileSpec[] files, long bytes) = MakeTree();
        var recorder = new Recorder();

        Engine.Snapshot(SnapshotOf("p", "v1", BaseDir, files) with { Progress = recorder.Add });
        AssertWellFormed(recorder, FileCount, bytes, minimumReports: 1);

        var restore = new Recorder();
        Engine.Restore(new RestoreRequest { Name = "p", Version = "v1", OutputDir = Temp.Combine("out"), Progress = restore.Add });
        AssertWellFormed(restore, FileCount, bytes, minimumReports: 1);
    }
}
