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
        Assert.Equal(GoldenVectors.Bytes($"recovery/{GoldenFileName}"), RecoveryRecords.Serialize(Golden));
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
        System.IO.File.WriteAllBytes(path, RecoveryRecords.Serialize(record));

        RecoveryRecord read = RecoveryRecords.Read(path);

        Assert.Equal(record.Files, read.Files);
        Assert.True(System.Text.Unicode.Utf8.IsValid(System.IO.File.ReadAllBytes(path)));
    }
}
