using System.Text;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>
/// The config of a whole tree (docs/format.md, "Entries beyond regular files"): its exact bytes pinned by
/// docs/vectors/artifact/tree-config.json, Go's own decoder still finding the files it restores in it, and every way a
/// config from elsewhere could describe something that is no tree (or one that writes through a symlink) refused.
/// </summary>
public sealed class TreeConfigTests
{
    private const string TreeVector = "artifact/tree-config.json";

    private static readonly FileRecord File = ArtifactGoldenTests.GoldenFile;

    /// <summary>One entry of every type: a directory with an extended attribute, a hardlink to the golden file, symlinks
    /// pointing outside, absolute and dangling (one target not UTF-8), a FIFO, devices, a setuid file named in bytes
    /// that are not UTF-8 with a file capability, and a sticky directory.</summary>
    internal static readonly FileRecord[] TreeGolden =
    [
        File,
        File with { RelativePath = "dir", Digest = null, ReadOnly = false, Mode = 0x1E8, Uid = 1000, Gid = 1000, Size = 0, Type = EntryType.Directory, Xattrs = new([new("user.comment", "tree"u8.ToArray())]) },
        File with { RelativePath = "dir/hard", Type = EntryType.Hardlink, LinkTarget = "dir/file" },
        File with { RelativePath = "dir/up", Digest = null, ReadOnly = false, Mode = 0x1FF, Size = 0, Type = EntryType.Symlink, LinkTarget = "../../outside/target" },
        File with { RelativePath = "dir/gone", Digest = null, ReadOnly = false, Mode = 0x1FF, Size = 0, Type = EntryType.Symlink, LinkTarget = "/nonexistent/\uDCFFabs" },
        File with { RelativePath = "dir/fifo", Digest = null, ReadOnly = false, Mode = 0x1A4, Size = 0, Type = EntryType.Fifo },
        File with { RelativePath = "dev", Digest = null, ReadOnly = false, Mode = 0x1ED, Size = 0, Type = EntryType.Directory },
        File with { RelativePath = "dev/null", Digest = null, ReadOnly = false, Mode = 0x1B6, Size = 0, Type = EntryType.CharacterDevice, DeviceMajor = 1, DeviceMinor = 3 },
        File with { RelativePath = "dev/sda", Digest = null, ReadOnly = false, Mode = 0x1B0, Gid = 6, Size = 0, Type = EntryType.BlockDevice, DeviceMajor = 8, DeviceMinor = 0 },
        File with
        {
            RelativePath = "caf\uDCE9.bin", ReadOnly = false, Mode = 0x9ED, ModificationTimeOffsetSeconds = 0,
            Xattrs = new([new("security.capability", [1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]),
        },
        File with { RelativePath = "tmp", Digest = null, ReadOnly = false, Mode = 0x3FF, Size = 0, Type = EntryType.Directory },
    ];

    [Fact]
    public void A_tree_serializes_as_the_golden_config_and_reads_back()
    {
        byte[] golden = GoldenVectors.Bytes(TreeVector);

        Assert.Equal(Encoding.UTF8.GetString(golden), Encoding.UTF8.GetString(SnapshotConfig.Serialize(TreeGolden)));
        Assert.Equal(golden, SnapshotConfig.Serialize(TreeGolden.Reverse()));
        List<FileRecord> read = SnapshotConfig.Parse(golden, "golden tree config");
        Assert.Equal(TreeGolden.OrderBy(f => f.RelativePath, StringComparer.Ordinal), read.OrderBy(f => f.RelativePath, StringComparer.Ordinal));
    }

    [Fact]
    public void Files_of_plain_snapshots_keep_the_bytes_they_always_had() =>
        Assert.DoesNotContain("entries", Encoding.UTF8.GetString(SnapshotConfig.Serialize(ArtifactGoldenTests.VariedFiles())), StringComparison.Ordinal);

    /// <summary>
    /// Go's encoding/json, decoding into the Go library's own structs (internal/metadata/config.go), finds the entries
    /// with content and only those, each with its digest: what its Restore downloads and writes. A hardlink reaches it
    /// as a copy; a name that is not UTF-8 as the same name with U+FFFD, as Go would have written it.
    /// </summary>
    [Fact]
    public void Go_decodes_the_files_it_can_restore_from_a_tree_config()
    {
        using var temp = new TempDirectory();
        string program = temp.Combine("main.go");
        System.IO.File.WriteAllText(program, $$"""
            package main

            import (
            	"encoding/json"
            	"fmt"
            	"os"
            	"time"
            )

            {{ArtifactGoldenTests.GoConfigTypes}}

            func main() {
            	var config Config
            	if err := json.NewDecoder(os.Stdin).Decode(&config); err != nil {
            		panic(err)
            	}
            	for _, f := range config.Files {
            		fmt.Printf("%s %s %t %o %d %d\n", f.RelativePath, f.Digest, f.ReadOnly, f.Metadata.Mode, f.Metadata.Size, f.Metadata.ModTime.UnixNano())
            	}
            }
            """);

        string output = Tools.Run("go", ["run", program], GoldenVectors.Bytes(TreeVector), workingDirectory: temp.Path, environment: null);

        IEnumerable<string> expected = TreeGolden.Where(f => f.HasContent).OrderBy(f => f.RelativePath, PathOrder.Instance)
            .Select(f => $"{PathEncoding.Lossy(f.RelativePath)} {f.Digest} {(f.ReadOnly ? "true" : "false")} {Convert.ToString(f.Mode, 8)} {f.Size} {f.ModificationTimeNs}");
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static List<FileRecord> Parse(string json) => SnapshotConfig.Parse(Encoding.UTF8.GetBytes(json), "config of tree:v1");

    private const string Meta = "\"mode\":493,\"uid\":0,\"gid\":0,\"size\":0,\"mtime\":\"2025-12-30T10:00:00Z\"";

    private static string Content(string path, string extra = "", string digest = "xxh3:5e0ba398f628c5e4", string typeflag = "0", string readOnly = "false") =>
        $"{{\"digest\":\"{digest}\",\"readOnly\":{readOnly},\"relativePath\":\"{path}\",\"metadata\":{{\"mode\":420,\"uid\":0,\"gid\":0,\"size\":12,\"mtime\":\"2025-12-30T10:00:00Z\",\"typeflag\":{typeflag}{extra}}}}}";

    private static string Entry(string path, int typeflag, string extra = "", string meta = Meta, string outside = "") =>
        $"{{\"relativePath\":\"{path}\"{outside},\"metadata\":{{{meta},\"typeflag\":{typeflag}{extra}}}}}";

    private static string Tree(string[] files, params string[] entries) => $"{{\"files\":[{string.Join(',', files)}],\"entries\":[{string.Join(',', entries)}]}}";

    [Fact]
    public void A_symlink_then_a_file_beneath_it_is_refused_by_name()
    {
        string config = Tree([Content("escape/passwd")], Entry("escape", 2, ",\"linkname\":\"/etc\""));

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Parse(config));

        Assert.Contains("'escape/passwd' lies beneath 'escape', which is a Symlink", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_lies_beneath_a_file_or_a_fifo()
    {
        Assert.Contains("'a/b' lies beneath 'a', which is a Regular", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([Content("a"), Content("a/b")]))).Message, StringComparison.Ordinal);
        Assert.Contains("'f/x' lies beneath 'f', which is a Fifo", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([Content("f/x")], Entry("f", 6)))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "is not in the snapshot")]
    [InlineData("other-link", "a Hardlink")]
    [InlineData("../a", "contains '..'")]
    public void A_hardlink_names_a_regular_file_of_the_snapshot(string target, string reason)
    {
        string config = Tree([
            Content("a"),
            Content("other-link", ",\"linkname\":\"a\"", typeflag: "1"),
            Content("link", $",\"linkname\":\"{target}\"", typeflag: "1"),
        ]);

        Assert.Contains(reason, Expect.Error(ErrorCode.Corrupt, () => Parse(config)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xxh3:1", "false")]
    [InlineData("xxh3:5e0ba398f628c5e4", "true")]
    public void A_hardlink_has_the_content_and_attributes_of_its_target(string digest, string readOnly) =>
        Assert.Contains("differ", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([Content("a"), Content("b", ",\"linkname\":\"a\"", digest, "1", readOnly)]))).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(7, "", ErrorCode.Unsupported, "typeflag 7")]
    [InlineData(0, "", ErrorCode.Unsupported, "\"entries\" holds entries without content")]
    [InlineData(5, "", ErrorCode.Corrupt, null)]
    [InlineData(5, ",\"linkname\":\"x\"", ErrorCode.Corrupt, "only symlinks and hardlinks have a link target")]
    [InlineData(2, "", ErrorCode.Corrupt, "has no metadata.linkname")]
    [InlineData(2, ",\"linkname\":\"\"", ErrorCode.Corrupt, "is empty")]
    [InlineData(3, ",\"devmajor\":1", ErrorCode.Corrupt, "has no metadata.devminor")]
    [InlineData(4, ",\"devmajor\":4096,\"devminor\":0", ErrorCode.Corrupt, "above Linux's 4095")]
    [InlineData(6, ",\"devmajor\":1,\"devminor\":1", ErrorCode.Corrupt, "only device nodes have device numbers")]
    [InlineData(5, ",\"xattrs\":{\"user.a\":\"AA==\",\"user.a\":\"AA==\"}", ErrorCode.Corrupt, "appears twice")]
    [InlineData(5, ",\"xattrs\":{\"user.a\":1}", ErrorCode.Corrupt, "is not a base64 string")]
    [InlineData(5, ",\"xattrs\":{\"nonamespace\":\"\"}", ErrorCode.Corrupt, "'namespace.name'")]
    public void Entries_without_content_are_validated(int typeflag, string extra, ErrorCode code, string? reason)
    {
        string config = Tree([], Entry("e", typeflag, extra));
        if (reason is null)
        {
            Assert.Equal(EntryType.Directory, Parse(config).Single().Type);
            return;
        }

        Assert.Contains(reason, Expect.Error(code, () => Parse(config)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",\"digest\":\"xxh3:1\"", Meta, "has a digest")]
    [InlineData(",\"readOnly\":true", Meta, "has readOnly")]
    [InlineData("", "\"mode\":493,\"uid\":0,\"gid\":0,\"size\":1,\"mtime\":\"2025-12-30T10:00:00Z\"", "outside 0 (it has no content)")]
    public void Entries_without_content_carry_none(string outside, string meta, string reason) =>
        Assert.Contains(reason, Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([], Entry("d", 5, meta: meta, outside: outside)))).Message, StringComparison.Ordinal);

    [Fact]
    public void An_extended_attribute_value_beyond_the_kernel_limit_is_refused()
    {
        string value = Convert.ToBase64String(new byte[ExtendedAttributes.MaxValueBytes + 1]);

        Assert.Contains("above Linux's 65536", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([], Entry("d", 5, $",\"xattrs\":{{\"user.big\":\"{value}\"}}")))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_is_not_utf8_reads_from_its_bytes_and_must_agree_with_its_text()
    {
        byte[] bytes = [(byte)'c', (byte)'a', (byte)'f', 0xE9];
        string raw = Convert.ToBase64String(bytes);

        FileRecord read = Parse(Tree([], Entry("caf\uFFFD", 6, outside: $",\"rawPath\":\"{raw}\""))).Single();

        Assert.Equal(bytes, PathEncoding.GetBytes(read.RelativePath));
        Assert.Contains("is not what rawPath", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([], Entry("cafe", 6, outside: $",\"rawPath\":\"{raw}\"")))).Message, StringComparison.Ordinal);
        Assert.Contains("is valid UTF-8", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([], Entry("cafe", 6, outside: $",\"rawPath\":\"{Convert.ToBase64String("cafe"u8)}\"")))).Message, StringComparison.Ordinal);
        Assert.Contains("not base64", Expect.Error(ErrorCode.Corrupt, () => Parse(Tree([], Entry("cafe", 6, outside: ",\"rawPath\":\"%%\"")))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_names_that_differ_only_in_bytes_that_are_not_utf8_are_two_entries()
    {
        FileRecord[] files =
        [
            File with { RelativePath = "x\uDCE9", Digest = new Digest(1) },
            File with { RelativePath = "x\uDCFF", Digest = new Digest(2) },
        ];

        List<FileRecord> read = SnapshotConfig.Parse(SnapshotConfig.Serialize(files), "test");

        Assert.Equal(files, read);
        Assert.Equal(2, Encoding.UTF8.GetString(SnapshotConfig.Serialize(files)).Split("x\\ufffd").Length - 1);
    }

    [Fact]
    public void Each_array_appears_once() =>
        Assert.Contains("\"entries\" appears twice", Expect.Error(ErrorCode.Corrupt, () => Parse("{\"files\":[],\"entries\":[],\"entries\":[]}")).Message, StringComparison.Ordinal);
}
