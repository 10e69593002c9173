using Snapshotter.Hashing;
using Snapshotter.Metadata;
using Snapshotter.Tests.Oci;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Metadata;

/// <summary>
/// The recovery record's exact bytes and file name (docs/format.md, "Recovery records"): snapshot vm:v1 of a
/// read-only file and a writable one with a negative UTC offset, as docs/vectors/recovery holds it.
/// </summary>
public sealed class RecoveryRecordGoldenTests
{
    /// <summary>XXH3-64 of "vm&lt;newline&gt;v1" with seed 0 (what `xxhsum -H3` prints), then with the second seed, and ".json".</summary>
    private const string GoldenFileName = "99972533cb9b216d8e29b8c79066f27d.json";

    private static readonly RecoveryRecord Golden = new("vm", "v1", 1_767_060_001_000_000_000L,
    [
        ArtifactGoldenTests.GoldenFile,
        ArtifactGoldenTests.GoldenFile with
        {
            RelativePath = "disk.img", Digest = new Digest(0x4fe38efce0140122), ReadOnly = false, Mode = 384, Uid = 1000, Gid = 1000,
            Size = 16384, ModificationTimeNs = 1_767_059_999_000_000_000L, ModificationTimeOffsetSeconds = -18000,
        },
    ]);

    [Fact]
    public void A_record_is_written_as_the_golden_file_under_its_snapshot_name()
    {
        string seedZero = Tools.Run("xxhsum", ["-H3", "-"], "vm\nv1"u8.ToArray(), workingDirectory: null, environment: null).Split(" = ")[^1].Trim();

        Assert.StartsWith(seedZero, GoldenFileName, StringComparison.Ordinal);
        Assert.Equal(GoldenFileName, RecoveryRecords.FileNameOf("vm", "v1"));
        using var serialized = new MemoryStream();
        RecoveryRecords.Serialize(Golden, serialized);
        Assert.Equal(GoldenVectors.Bytes($"recovery/{GoldenFileName}"), serialized.ToArray());
    }

    [Fact]
    public void The_golden_file_reads_back_as_the_record()
    {
        RecoveryRecord read = RecoveryRecords.Read(GoldenVectors.PathOf($"recovery/{GoldenFileName}"));

        Assert.Equal((Golden.Name, Golden.Version, Golden.CreatedNs), (read.Name, read.Version, read.CreatedNs));
        Assert.Equal(Golden.Files, read.Files);
    }

    [Fact]
    public void A_record_of_a_tree_reads_back_entry_for_entry()
    {
        using var temp = new TempDirectory();
        var record = new RecoveryRecord("tree", "v1", 1_767_060_001_000_000_000L, [.. Golden.Files, .. MetadataStoreTests.TreeEntries]);
        string path = temp.Combine(RecoveryRecords.FileNameOf("tree", "v1"));
        using (FileStream file = System.IO.File.Create(path))
        {
            RecoveryRecords.Serialize(record, file);
        }

        RecoveryRecord read = RecoveryRecords.Read(path);

        Assert.Equal(record.Files, read.Files);
        Assert.True(System.Text.Unicode.Utf8.IsValid(System.IO.File.ReadAllBytes(path)));
    }

    [Fact]
    public void A_record_far_larger_than_one_flush_of_its_writer_is_written_whole_and_reads_back()
    {
        using var temp = new TempDirectory();
        var records = new RecoveryRecords(temp.Path, temp.Combine("metadata"), "0123456789abcdef");
        FileRecord[] files = Enumerable.Range(0, 5_000).Select(i => ArtifactGoldenTests.GoldenFile with
        {
            RelativePath = $"dir{i / 100}/file{i}", Digest = new Digest((ulong)i * 0x9E3779B97F4A7C15UL), Size = i,
        }).ToArray();
        var record = new RecoveryRecord("many", "v1", 1_767_060_001_000_000_000L, files);

        records.Write(record);
        string path = records.PathOf("many", "v1");
        RecoveryRecord read = RecoveryRecords.Read(path);

        Assert.True(new FileInfo(path).Length > 4 * (64 << 10), $"the record is only {new FileInfo(path).Length} bytes");
        Assert.Equal((record.Name, record.Version, record.CreatedNs), (read.Name, read.Version, read.CreatedNs));
        Assert.Equal(files, read.Files);
    }
}
