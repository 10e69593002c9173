using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Content;

/// <summary>
/// What every content store must do, written once (containerd's snapshots/testsuite style): a store
/// implementation gets this whole suite by deriving from it and saying how to create one.
/// </summary>
public abstract class ContentStoreContractTests : IDisposable
{
    private const int SmallBufferBytes = 64 << 10;

    protected ContentStoreContractTests()
    {
        Temp = new TempDirectory();
        Store = CreateStore(Temp.Combine("root"));
    }

    protected TempDirectory Temp { get; }

    private protected ContentStore Store { get; }

    private protected abstract ContentStore CreateStore(string rootDir);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Temp.Dispose();
        }
    }

    private protected static IngestResult IngestPath(ContentStore store, string path, bool readOnly, Action<long>? onDataBytes = null, CancellationToken cancellation = default, int bufferBytes = 1 << 20)
    {
        using UnixFile file = UnixFile.OpenRead(path);
        FileStatus status = file.Stat();
        return store.Ingest(file, status, readOnly, new byte[bufferBytes], onDataBytes, cancellation);
    }

    private string SparseSource(string name, int seed) =>
        TestFiles.WriteSparse(Temp.Combine("src", name), 1 << 20, (0, TestFiles.Pattern(5000, seed)), (600_000, TestFiles.Pattern(10_000, seed + 1)));

    private List<string> ContentListing() => TestFiles.Tree(Store.ContentDir);

    [Fact]
    public void Ingest_yields_the_spf1_digest_and_the_content_file_holds_exactly_the_spf1_bytes()
    {
        string source = SparseSource("a", 1);
        byte[] expected = Spf1Reference.Encode(source);

        IngestResult result = IngestPath(Store, source, readOnly: false);

        Assert.Equal(Spf1Reference.DigestOf(source), result.Digest.ToString());
        Assert.Equal(1 << 20, result.Size);
        Assert.Equal(expected.Length, result.EncodedSize);
        Assert.False(result.Linked);
        Assert.NotNull(result.PendingId);
        Assert.Equal(expected, File.ReadAllBytes(Store.PendingPath(result.PendingId!.Value)));

        Assert.True(Store.PlacePending(result.PendingId!.Value, result.Digest));
        Assert.Equal(expected, File.ReadAllBytes(Store.ContentPath(result.Digest)));
        Assert.True(Store.HasContent(result.Digest));
        Assert.Equal([result.Digest.Hex], ContentListing());
    }

    [Fact]
    public void Content_files_are_mode_0444_before_and_after_publishing()
    {
        IngestResult result = IngestPath(Store, SparseSource("a", 2), readOnly: false);
        Assert.Equal(0x124u, Inode.Of(Store.PendingPath(result.PendingId!.Value)).Permissions);

        Store.PlacePending(result.PendingId!.Value, result.Digest);
        Assert.Equal(0x124u, Inode.Of(Store.ContentPath(result.Digest)).Permissions);
    }

    [Fact]
    public void Reingesting_identical_content_reuses_it_without_leaving_a_temp_file()
    {
        string first = SparseSource("a", 3);
        IngestResult stored = IngestPath(Store, first, readOnly: false);
        Store.PlacePending(stored.PendingId!.Value, stored.Digest);
        Inode storedInode = Inode.Of(Store.ContentPath(stored.Digest));

        string second = TestFiles.WriteSparse(Temp.Combine("src", "b"), 1 << 20, (0, TestFiles.Pattern(5000, 3)), (600_000, TestFiles.Pattern(10_000, 4)));
        TestFiles.SetMode(second, 0x180);
        TestFiles.SetMtimeNs(second, 1_234_567_890_123_456_789);
        IngestResult again = IngestPath(Store, second, readOnly: false);

        Assert.Equal(stored.Digest, again.Digest);
        Assert.Null(again.PendingId);
        Assert.Equal(stored.EncodedSize, again.EncodedSize);
        Assert.Equal([stored.Digest.Hex], ContentListing());
        Assert.True(storedInode.IsSameAs(Inode.Of(Store.ContentPath(stored.Digest))));
    }

    [Fact]
    public void Cancellation_mid_ingest_leaves_no_temp_file()
    {
        string source = TestFiles.WriteLarge(Temp.Combine("src", "big"), 4 << 20, seed: 5);
        using var cts = new CancellationTokenSource();
        long seen = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => IngestPath(Store, source, readOnly: false, n =>
        {
            seen += n;
            cts.Cancel();
        }, cts.Token, SmallBufferBytes));

        Assert.InRange(seen, 1, (4 << 20) - 1);
        Assert.Empty(ContentListing());
        Assert.Empty(TestFiles.TempFiles(Temp.Combine("root")));
    }

    [Fact]
    public void A_source_growing_during_ingest_fails_naming_it_and_leaves_no_temp_file()
    {
        string source = TestFiles.WriteLarge(Temp.Combine("src", "growing"), 1 << 20, seed: 6);
        bool appended = false;

        SnapshotterException e = Expect.Error(ErrorCode.IO, () => IngestPath(Store, source, readOnly: true, _ =>
        {
            if (!appended)
            {
                appended = true;
                File.AppendAllText(source, "more");
            }
        }, bufferBytes: SmallBufferBytes));

        Assert.Contains(source, e.Message, StringComparison.Ordinal);
        Assert.Empty(ContentListing());
        Assert.Empty(TestFiles.Tree(Store.SnapshotDir));
        Assert.Empty(TestFiles.TempFiles(Temp.Combine("root")));
    }

    [Fact]
    public void A_source_shrinking_during_ingest_fails_naming_it_and_leaves_no_temp_file()
    {
        string source = TestFiles.WriteLarge(Temp.Combine("src", "shrinking"), 1 << 20, seed: 7);
        bool truncated = false;

        SnapshotterException e = Expect.Error(ErrorCode.IO, () => IngestPath(Store, source, readOnly: false, _ =>
        {
            if (!truncated)
            {
                truncated = true;
                using var stream = new FileStream(source, FileMode.Open, FileAccess.Write);
                stream.SetLength(100_000);
            }
        }, bufferBytes: SmallBufferBytes));

        Assert.Contains(source, e.Message, StringComparison.Ordinal);
        Assert.Empty(ContentListing());
        Assert.Empty(TestFiles.TempFiles(Temp.Combine("root")));
    }

    [Fact]
    public void Read_only_ingest_hardlinks_the_very_inode_that_was_read()
    {
        string source = SparseSource("ro", 8);
        using UnixFile file = UnixFile.OpenRead(source);
        Inode read = Inode.Of(source);

        // Move the inode away and put another file at its path after opening: the store must link what it
        // read, not what the path names now.
        File.Move(source, Temp.Combine("src", "moved"));
        TestFiles.WriteDense(source, [1, 2, 3]);

        IngestResult result = Store.Ingest(file, file.Stat(), readOnly: true, new byte[1 << 20], null, CancellationToken.None);

        Assert.True(result.Linked);
        Inode stored = Inode.Of(Store.SnapshotPath(result.Digest));
        Assert.True(read.IsSameAs(stored), "storage/snapshot/xxh3/<hex> is not the inode that was read");
        Assert.True(Inode.Of(Temp.Combine("src", "moved")).IsSameAs(stored));
        Assert.False(Inode.Of(source).IsSameAs(stored));
        Assert.Equal(2u, stored.LinkCount);
    }

    [Fact]
    public void Read_only_ingest_keeps_an_existing_stored_inode()
    {
        string first = SparseSource("ro1", 9);
        IngestResult one = IngestPath(Store, first, readOnly: true);
        Store.PlacePending(one.PendingId!.Value, one.Digest);

        string second = SparseSource("ro2", 9);
        IngestResult two = IngestPath(Store, second, readOnly: true);

        Assert.Equal(one.Digest, two.Digest);
        Assert.False(two.Linked);
        Assert.Null(two.PendingId);
        Assert.True(Inode.Of(first).IsSameAs(Inode.Of(Store.SnapshotPath(one.Digest))));
        Assert.Equal(1u, Inode.Of(second).LinkCount);
    }

    [Fact]
    public void Publishing_a_digest_that_is_already_present_returns_false_and_leaves_one_file()
    {
        // Both ingested before either is published: both are pending, as with two racing writers.
        IngestResult one = IngestPath(Store, SparseSource("a", 10), readOnly: false);
        IngestResult two = IngestPath(Store, SparseSource("b", 10), readOnly: false);
        Assert.Equal(one.Digest, two.Digest);
        Assert.NotNull(one.PendingId);
        Assert.NotNull(two.PendingId);
        Assert.NotEqual(one.PendingId, two.PendingId);

        Assert.True(Store.PlacePending(one.PendingId!.Value, one.Digest));
        Inode published = Inode.Of(Store.ContentPath(one.Digest));
        Assert.False(Store.PlacePending(two.PendingId!.Value, two.Digest));

        Assert.Equal([one.Digest.Hex], ContentListing());
        Assert.False(File.Exists(Store.PendingPath(two.PendingId!.Value)));
        Assert.True(published.IsSameAs(Inode.Of(Store.ContentPath(one.Digest))));
    }

    [Fact]
    public void Decoding_stored_content_rebuilds_the_bytes_and_holes()
    {
        string source = SparseSource("a", 11);
        IngestResult result = IngestPath(Store, source, readOnly: false);
        Store.PlacePending(result.PendingId!.Value, result.Digest);

        string output = Temp.Combine("decoded");
        using (UnixFile file = UnixFile.CreateNew(output, 0x1A4))
        {
            long read = Store.DecodeInto(result.Digest, file, new byte[1 << 20], null, CancellationToken.None);
            Assert.Equal(result.EncodedSize, read);
        }

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(output));
        Assert.Equal(TestFiles.DataExtents(source), TestFiles.DataExtents(output));
    }

    [Fact]
    public void Decoding_absent_content_is_not_found_naming_the_digest()
    {
        var digest = new Digest(0xabc);
        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => Store.DecodeInto(digest, null, new byte[1 << 20], null, CancellationToken.None));
        Assert.Contains("xxh3:abc", e.Message, StringComparison.Ordinal);
    }
}
