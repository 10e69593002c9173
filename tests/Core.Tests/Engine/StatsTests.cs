using Snapshotter.Engine;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Exact counters for a small known tree (SPF1: 20-byte header, 16 bytes per extent, then the data).</summary>
public sealed class StatsTests : EngineTestBase
{
    private const long TextBytes = 12;           // "test content", writable: one 12-byte extent
    private const long ModelBytes = 10_000;      // read-only, dense: one 10000-byte extent
    private const long DiskBytes = 1 << 20;      // writable, sparse: 5000 bytes at 0, one 8192-byte extent
    private const long DiskDataBytes = 8192;
    private const long TextEncoded = 20 + 16 + TextBytes;
    private const long ModelEncoded = 20 + 16 + ModelBytes;
    private const long DiskEncoded = 20 + 16 + DiskDataBytes;
    private const long TotalBytes = TextBytes + ModelBytes + DiskBytes;
    private const long DataBytes = TextBytes + ModelBytes + DiskDataBytes;

    private readonly FileSpec[] _files = [new("a.txt", false), new("b.bin", true), new("c.img", false)];

    public StatsTests()
    {
        Source("a.txt", "test content"u8.ToArray());
        Source("b.bin", TestFiles.Pattern((int)ModelBytes, 1));
        TestFiles.WriteSparse(Path.Join(BaseDir, "c.img"), DiskBytes, (0, TestFiles.Pattern(5000, 2)));
    }

    [Fact]
    public void First_snapshot_reads_the_data_and_writes_every_encoding_and_links_the_read_only_file()
    {
        OperationStats stats = Snapshot("s", "v1", _files);

        Assert.Equal(3, stats.Files);
        Assert.Equal(TotalBytes, stats.Bytes);
        Assert.Equal(DataBytes, stats.BytesRead);
        Assert.Equal(TextEncoded + ModelEncoded + DiskEncoded, stats.BytesWritten);
        Assert.Equal(0, stats.FilesReused);
        Assert.Equal(1, stats.FilesLinked);
        Assert.True(stats.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public void A_second_snapshot_of_identical_content_reuses_everything_and_writes_nothing()
    {
        Snapshot("s", "v1", _files);
        OperationStats stats = Snapshot("s", "v2", _files);

        Assert.Equal(3, stats.Files);
        Assert.Equal(TotalBytes, stats.Bytes);
        Assert.Equal(DataBytes, stats.BytesRead);
        Assert.Equal(0, stats.BytesWritten);
        Assert.Equal(3, stats.FilesReused);
        Assert.Equal(0, stats.FilesLinked);
    }

    [Fact]
    public void Duplicate_content_within_one_snapshot_is_written_once()
    {
        Source("copy.txt", "test content"u8.ToArray());
        OperationStats stats = Snapshot("s", "v1", new FileSpec("a.txt", false), new FileSpec("copy.txt", false));

        Assert.Equal(2 * TextBytes, stats.BytesRead);
        Assert.Equal(TextEncoded, stats.BytesWritten);
        Assert.Equal(1, stats.FilesReused);
        Assert.Single(TestFiles.Tree(ContentDir));
    }

    [Fact]
    public void Stored_content_met_after_many_new_files_is_counted_reused_whether_looked_up_or_found_by_its_rename()
    {
        // Past 64 new objects in a row most lookups are skipped (PendingArea.LikelyHasContent): stored content that comes
        // later is found either way, and counted as reused either way.
        const int Stored = 100, New = 150, Bytes = 200;
        FileSpec Written(string path, int seed)
        {
            Source(path, TestFiles.Pattern(Bytes, seed));
            return new FileSpec(path, false);
        }

        Snapshot("s", "v1", [.. Enumerable.Range(0, Stored).Select(i => Written($"old/f{i:D3}", i))]);
        FileSpec[] files =
        [
            .. Enumerable.Range(0, New).Select(i => Written($"a/new{i:D3}", 1000 + i)),
            .. Enumerable.Range(0, Stored).Select(i => Written($"z/same{i:D3}", i)),
        ];

        OperationStats stats = Snapshot("s", "v2", files);

        Assert.Equal(New * (20 + 16 + Bytes), stats.BytesWritten);
        Assert.Equal(Stored, stats.FilesReused);
        Assert.Equal(Stored + New, TestFiles.Tree(ContentDir).Count);
        Assert.Empty(TestFiles.TempFiles(RootDir));
        string output = Temp.Combine("out");
        Restore("s", "v2", output);
        Assert.Equal(TestFiles.Pattern(Bytes, 7), File.ReadAllBytes(Path.Join(output, "z/same007")));
        Assert.Equal(TestFiles.Pattern(Bytes, 1007), File.ReadAllBytes(Path.Join(output, "a/new007")));
    }

    [Fact]
    public void Stored_content_captured_read_only_for_the_first_time_is_reused_and_linked()
    {
        Snapshot("s", "v1", new FileSpec("a.txt", false));
        OperationStats stats = Snapshot("s", "v2", new FileSpec("a.txt", true));

        Assert.Equal(0, stats.BytesWritten);
        Assert.Equal(1, stats.FilesReused);
        Assert.Equal(1, stats.FilesLinked);
    }

    [Fact]
    public void Restore_reads_the_copied_encodings_writes_their_data_and_links_the_read_only_file()
    {
        Snapshot("s", "v1", _files);
        OperationStats stats = Restore("s", "v1", Temp.Combine("out"));

        Assert.Equal(3, stats.Files);
        Assert.Equal(TotalBytes, stats.Bytes);
        Assert.Equal(TextEncoded + DiskEncoded, stats.BytesRead);
        Assert.Equal(TextBytes + DiskDataBytes, stats.BytesWritten);
        Assert.Equal(0, stats.FilesReused);
        Assert.Equal(1, stats.FilesLinked);
    }

    [Fact]
    public void Restoring_again_into_the_same_dir_reuses_every_file()
    {
        Snapshot("s", "v1", _files);
        Restore("s", "v1", Temp.Combine("out"));
        OperationStats stats = Restore("s", "v1", Temp.Combine("out"));

        Assert.Equal(3, stats.Files);
        Assert.Equal(TotalBytes, stats.Bytes);
        Assert.Equal(0, stats.BytesRead);
        Assert.Equal(0, stats.BytesWritten);
        Assert.Equal(3, stats.FilesReused);
        Assert.Equal(0, stats.FilesLinked);
    }

    [Fact]
    public void Checking_content_without_an_output_dir_writes_and_links_nothing()
    {
        Snapshot("s", "v1", _files);
        OperationStats stats = Restore("s", "v1", null);

        Assert.Equal(3, stats.Files);
        Assert.Equal(TotalBytes, stats.Bytes);
        Assert.Equal(0, stats.BytesWritten);
        Assert.Equal(0, stats.FilesLinked);
    }
}
