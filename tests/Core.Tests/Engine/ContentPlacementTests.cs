using Snapshotter.Content;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>New content placed in batches while a snapshot goes on storing: every object arrives once, whole, under
/// its digest, whichever batch its duplicates fall into, and nothing waits in the store afterwards.</summary>
public sealed class ContentPlacementTests : EngineTestBase
{
    /// <summary>More files than one batch holds (1,024), so that placing overlaps storing; every third file shares its
    /// content with another, some in the same batch and some in a later one.</summary>
    private const int Files = 2600;

    private const int Distinct = 1800;

    private static byte[] ContentOf(int file) => TestFiles.Pattern(300 + (file % Distinct), file % Distinct);

    private FileSpec[] WriteTree()
    {
        var specs = new FileSpec[Files];
        for (int i = 0; i < Files; i++)
        {
            string relative = $"d{i / 100:D2}/f{i:D4}";
            Source(relative, ContentOf(i));
            specs[i] = new FileSpec(relative, false);
        }

        return specs;
    }

    [Fact]
    public void A_snapshot_of_more_files_than_a_batch_stores_each_content_once_and_restores_every_byte()
    {
        FileSpec[] files = WriteTree();

        OperationStats stats = Snapshot("many", "v1", files);

        Assert.Equal(Files, stats.Files);
        Assert.Equal(Files - Distinct, stats.FilesReused);
        Assert.Equal(Distinct, TestFiles.Tree(ContentDir).Count);
        Assert.Empty(TestFiles.TempFiles(ContentDir));
        string output = Temp.Combine("out");
        Restore("many", "v1", output);
        for (int i = 0; i < Files; i += 7)
        {
            Assert.Equal(ContentOf(i), File.ReadAllBytes(Path.Join(output, $"d{i / 100:D2}/f{i:D4}")));
        }
    }

    [Fact]
    public void More_new_objects_than_may_wait_to_be_placed_make_storing_wait_and_all_arrive()
    {
        // 8 batches may wait; these small files are stored faster than they are renamed into place.
        const int Many = 9 * 1024 + 100;
        var files = new FileSpec[Many];
        for (int i = 0; i < Many; i++)
        {
            files[i] = new FileSpec($"w{i / 500:D2}/f{i:D5}", i % 2 == 0);
            Source(files[i].RelativePath, System.Text.Encoding.ASCII.GetBytes($"content {i % (Many - 50)}"));
        }

        OperationStats stats = Snapshot("wide", "v1", files);

        Assert.Equal(Many, stats.Files);
        Assert.Equal(50, stats.FilesReused);
        Assert.Equal(Many - 50, TestFiles.Tree(ContentDir).Count);
        Assert.Empty(TestFiles.TempFiles(RootDir));
        string output = Temp.Combine("out");
        Restore("wide", "v1", output);
        for (int i = 0; i < Many; i += 97)
        {
            Assert.Equal($"content {i % (Many - 50)}", File.ReadAllText(Path.Join(output, files[i].RelativePath)));
        }
    }

    [Fact]
    public void A_snapshot_cancelled_while_its_batches_are_placed_leaves_no_temporary_file_and_no_snapshot()
    {
        FileSpec[] files = WriteTree();

        // Each clock reading moves a second on, so every file done is reported and the cancel comes while storing,
        // with at least two batches handed over, never after the last file.
        SnapshotEngine engine = OpenEngine(new SteppingTimeProvider());
        using var cts = new CancellationTokenSource();
        SnapshotRequest request = SnapshotOf("many", "v1", BaseDir, files) with
        {
            Progress = p =>
            {
                if (p.FilesDone >= 2200)
                {
                    cts.Cancel();
                }
            },
        };

        Expect.Error(ErrorCode.Cancelled, () => engine.Snapshot(request, cts.Token));

        Assert.Empty(TestFiles.TempFiles(RootDir));
        Expect.Error(ErrorCode.NotFound, () => engine.Restore(new RestoreRequest { Name = "many", Version = "v1", OutputDir = Temp.Combine("out") }));
        Assert.Equal(Files, engine.Snapshot(SnapshotOf("many", "v1", BaseDir, files)).Files);
        Assert.Empty(TestFiles.TempFiles(RootDir));
    }

    [Fact]
    public void Only_an_object_its_own_rename_put_in_place_counts_as_created_and_one_found_there_is_reported()
    {
        string fresh = Source("fresh", TestFiles.Pattern(5000, 1));
        string raced = Source("raced", TestFiles.Pattern(6000, 2));
        EngineContext context = Engine.Context;
        using Lease lease = Lease.Acquire(context, "test");
        var buffer = new byte[1 << 16];
        var foundStored = new List<long>();
        using var placement = new ContentPlacement(context.Store, lease, CancellationToken.None, foundStored.Add);
        IngestResult Stage(string path)
        {
            using UnixFile file = UnixFile.OpenRead(path, followSymlinks: false);
            IngestResult result = context.Store.Ingest(file, file.Stat(), readOnly: false, buffer, null, CancellationToken.None, lease.PinContent, placement.Area);
            Assert.True(placement.TryAdd(result.Digest, result.PendingId!.Value, result.EncodedSize));
            return result;
        }

        IngestResult placedHere = Stage(fresh);
        IngestResult placedElsewhere = Stage(raced);

        // Another writer puts the second object in place first: this placement finds its name taken.
        File.Copy(placement.Area.PathOf(placedElsewhere.PendingId!.Value), ContentPath(placedElsewhere.Digest.ToString()));
        placement.Complete();

        Assert.True(placement.Created(placedHere.Digest));
        Assert.False(placement.Created(placedElsewhere.Digest));
        Assert.Equal([placedElsewhere.EncodedSize], foundStored);
        Assert.True(File.Exists(ContentPath(placedHere.Digest.ToString())));
        Assert.Empty(TestFiles.TempFiles(ContentDir));
    }
}
