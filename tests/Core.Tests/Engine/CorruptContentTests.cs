using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Every copied byte is verified: altered or missing content fails the restore and leaves nothing behind.</summary>
public sealed class CorruptContentTests : EngineTestBase
{
    private readonly byte[] _content = TestFiles.Pattern(200_000, 7);

    private static void FlipByte(string path, long offset, byte mask = 0x01)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ mask));
    }

    /// <summary>Where to flip: the last data byte, the first data byte, an extent's length, the size's least and most significant bytes.</summary>
    public static TheoryData<string> Positions => new() { "last-data", "first-data", "extent-length", "size-low", "size-high" };

    private static long Offset(string position, long encodedLength) => position switch
    {
        "last-data" => encodedLength - 1,
        "first-data" => 20 + 16,
        "extent-length" => 20 + 15,
        "size-low" => 11,
        "size-high" => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(position)),
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void A_flipped_byte_fails_a_writable_restore_with_corrupt_naming_the_digest_and_leaves_nothing(string position)
    {
        string source = Source("dir/data.bin", _content);
        Source("dir/other.bin", TestFiles.Pattern(3000, 8));
        Snapshot("snap", "v1", new FileSpec("dir/data.bin", false), new FileSpec("dir/other.bin", false));
        string digest = Spf1Reference.DigestOf(source);
        string content = ContentPath(digest);
        FlipByte(content, Offset(position, new FileInfo(content).Length));

        string output = Temp.Combine("out");
        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Restore("snap", "v1", output));

        Assert.Contains(digest["xxh3:".Length..], e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(output) ? Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories) : []);
        Assert.Empty(TestFiles.TempFiles(output));
        Assert.Empty(TestFiles.TempFiles(RootDir));
    }

    [Fact]
    public void A_flipped_data_byte_is_reported_with_both_digests()
    {
        string source = Source("data.bin", _content);
        Snapshot("snap", "v1", new FileSpec("data.bin", false));
        string digest = Spf1Reference.DigestOf(source);
        string content = ContentPath(digest);
        FlipByte(content, new FileInfo(content).Length - 1);
        string actual = Spf1Reference.DigestOfEncoded(File.ReadAllBytes(content));

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Restore("snap", "v1", Temp.Combine("out")));

        Assert.Contains(digest, e.Message, StringComparison.Ordinal);
        Assert.Contains(actual, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_restore_does_not_disturb_files_already_in_the_output_dir()
    {
        string source = Source("data.bin", _content);
        Snapshot("snap", "v1", new FileSpec("data.bin", false));
        string output = Temp.CreateDirectory("out");
        TestFiles.WriteDense(Path.Join(output, "data.bin"), [1, 2, 3]);
        FlipByte(ContentPath(Spf1Reference.DigestOf(source)), 40);

        Expect.Error(ErrorCode.Corrupt, () => Restore("snap", "v1", output, overwrite: true));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Join(output, "data.bin")));
        Assert.Equal(["data.bin"], TestFiles.Tree(output));
    }

    [Fact]
    public void Corrupt_content_is_not_used_to_recreate_a_missing_stored_file()
    {
        string source = Source("model.bin", _content);
        Snapshot("snap", "v1", new FileSpec("model.bin", true));
        string digest = Spf1Reference.DigestOf(source);
        File.Delete(StoredPath(digest));
        FlipByte(ContentPath(digest), 100);

        string output = Temp.Combine("out");
        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Restore("snap", "v1", output));

        Assert.Contains(digest, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(StoredPath(digest)));
        Assert.Empty(Directory.Exists(output) ? Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories) : []);
        Assert.Empty(TestFiles.TempFiles(RootDir));
    }

    [Fact]
    public void A_read_only_file_restores_by_link_even_without_its_content_while_the_stored_inode_matches()
    {
        string source = Source("model.bin", _content);
        Snapshot("snap", "v1", new FileSpec("model.bin", true));
        string digest = Spf1Reference.DigestOf(source);
        File.Delete(ContentPath(digest));

        string output = Temp.Combine("out");
        Restore("snap", "v1", output);
        Assert.True(Inode.Of(Path.Join(output, "model.bin")).IsSameAs(Inode.Of(StoredPath(digest))));

        // Without the stored inode either, nothing is left to restore from.
        File.Delete(StoredPath(digest));
        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => Restore("snap", "v1", Temp.Combine("out2")));
        Assert.Contains(digest, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Temp.Combine("out2")) && Directory.EnumerateFileSystemEntries(Temp.Combine("out2")).Any());
    }

    [Fact]
    public void Missing_content_of_a_writable_file_is_not_found_naming_the_digest_and_the_file()
    {
        string source = Source("data.bin", _content);
        Snapshot("snap", "v1", new FileSpec("data.bin", false));
        string digest = Spf1Reference.DigestOf(source);
        File.Delete(ContentPath(digest));

        string output = Temp.Combine("out");
        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => Restore("snap", "v1", output));
        Assert.Contains(digest, e.Message, StringComparison.Ordinal);
        Assert.Contains("data.bin", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any());

        SnapshotterException check = Expect.Error(ErrorCode.NotFound, () => Restore("snap", "v1", null));
        Assert.Contains(digest, check.Message, StringComparison.Ordinal);
    }
}
