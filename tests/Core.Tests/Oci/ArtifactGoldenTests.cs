using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>
/// The snapshot artifact's exact bytes (docs/format.md, "The OCI artifact"): the config as Go's json.Marshal writes
/// the Go library's metadata.Config (checked against Go itself), sorted by path, and the manifest, both compared
/// with the golden files of docs/vectors/artifact and their pinned descriptors.
/// </summary>
public sealed class ArtifactGoldenTests
{
    /// <summary>The file of the golden artifact: "test content" at dir/file, read-only, 0644, owner 0:0,
    /// mtime 2025-12-30T10:00:00.123456789+08:00.</summary>
    internal static readonly FileRecord GoldenFile = new(
        "dir/file", new Digest(0x5e0ba398f628c5e4), ReadOnly: true, Mode: 420, Uid: 0, Gid: 0, Size: 12,
        ModificationTimeNs: (1_767_060_000L * 1_000_000_000) + 123_456_789, ModificationTimeOffsetSeconds: 28800, Type: EntryType.Regular);

    [Fact]
    public void The_golden_file_gives_the_golden_config_manifest_and_descriptors()
    {
        SnapshotArtifact artifact = SnapshotArtifact.Build([GoldenFile]);

        Assert.Equal(GoldenVectors.Bytes("artifact/config.json"), artifact.Config);
        Assert.Equal(GoldenVectors.Bytes("artifact/manifest.json"), artifact.Manifest);
        Assert.Equal(Descriptor("config.json"), artifact.ConfigDescriptor);
        Assert.Equal(Descriptor("manifest.json"), artifact.ManifestDescriptor);
    }

    [Fact]
    public void The_golden_blobs_match_their_descriptors_and_read_back()
    {
        byte[] config = GoldenVectors.Bytes("artifact/config.json");
        byte[] manifest = GoldenVectors.Bytes("artifact/manifest.json");
        IReadOnlyDictionary<string, string> configRow = GoldenVectors.Row(DescriptorTable, "config.json");

        Assert.Equal(Descriptor("config.json"), new BlobDescriptor("sha256:" + Convert.ToHexStringLower(SHA256.HashData(config)), config.Length));
        Assert.Equal(Descriptor("manifest.json"), new BlobDescriptor("sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest)), manifest.Length));
        Assert.Equal(MediaTypes.SnapshotConfig, configRow["media_type"]);
        Assert.Equal(MediaTypes.ImageManifest, GoldenVectors.Row(DescriptorTable, "manifest.json")["media_type"]);
        Assert.Equal(Descriptor("config.json"), SnapshotManifest.Parse(manifest, "golden manifest"));
        Assert.Equal([GoldenFile], SnapshotConfig.Parse(config, "golden config"));
    }

    private const string DescriptorTable = "artifact/descriptors.tsv";

    private static BlobDescriptor Descriptor(string file)
    {
        IReadOnlyDictionary<string, string> row = GoldenVectors.Row(DescriptorTable, file);
        return new BlobDescriptor(row["digest"], long.Parse(row["size"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_empty_snapshot_writes_an_empty_array_as_go_does_for_its_preallocated_slice() =>
        Assert.Equal("{\"files\":[]}", Encoding.UTF8.GetString(SnapshotConfig.Serialize([])));

    [Fact]
    public void Files_are_sorted_by_the_utf8_bytes_of_their_path_whatever_order_they_come_in()
    {
        string[] paths = ["b", "\U0001F600.bin", "a0/z", "\uE000.bin", "A", "a"];
        string[] expected = ["A", "a", "a0/z", "b", "\uE000.bin", "\U0001F600.bin"];
        FileRecord[] files = paths.Select(p => GoldenFile with { RelativePath = p }).ToArray();

        List<FileRecord> written = SnapshotConfig.Parse(SnapshotConfig.Serialize(files), "test");

        Assert.Equal(expected, written.Select(f => f.RelativePath));
        Assert.Equal(SnapshotConfig.Serialize(files), SnapshotConfig.Serialize(files.Reverse()));
        Assert.Equal(expected, paths.Order(PathOrder.Instance));
        Assert.Equal(expected.Select(p => Encoding.UTF8.GetBytes(p)).ToArray(), paths.Select(p => Encoding.UTF8.GetBytes(p)).OrderBy(b => b, new ByteOrder()).ToArray());
    }

    [Fact]
    public void Every_field_round_trips_through_the_config()
    {
        FileRecord[] files = VariedFiles();
        Assert.Equal(files.OrderBy(f => f.RelativePath, PathOrder.Instance), SnapshotConfig.Parse(SnapshotConfig.Serialize(files), "test"));
    }

    /// <summary>Go's own encoding/json marshals the Go library's structs from the same values: same bytes.
    /// (The Go here may predate 1.22, which writes \b and \f short: those are pinned in GoJsonTests.)</summary>
    [Fact]
    public void The_config_is_byte_for_byte_what_go_marshals()
    {
        FileRecord[] files = VariedFiles().Append(LocalMeanTime).OrderBy(f => f.RelativePath, PathOrder.Instance).ToArray();
        using var temp = new TempDirectory();
        string program = temp.Combine("main.go");
        File.WriteAllText(program, GoProgram(files));

        string goOutput = Tools.Run("go", ["run", program], stdin: null, workingDirectory: temp.Path, environment: null);

        Assert.Equal(goOutput, Encoding.UTF8.GetString(SnapshotConfig.Serialize(files)));
    }

    internal static FileRecord[] VariedFiles() =>
    [
        GoldenFile,
        GoldenFile with { RelativePath = "models/<weights>&co \"v2\".bin", ReadOnly = false, Mode = 0x180, Uid = 1000, Gid = 4294967294, Size = 1L << 40 },
        GoldenFile with { RelativePath = "unicode/é日本😀\u2028\t.txt", Digest = new Digest(0x1), Mode = 0x1FF, ModificationTimeNs = -1, ModificationTimeOffsetSeconds = -19800 },
        GoldenFile with { RelativePath = "whole-second", Digest = new Digest(ulong.MaxValue), ModificationTimeNs = 1_600_000_000L * 1_000_000_000, ModificationTimeOffsetSeconds = 0 },
        GoldenFile with { RelativePath = "a/b/c/d/e/deep", Size = 0, ModificationTimeNs = (1_700_000_000L * 1_000_000_000) + 100, ModificationTimeOffsetSeconds = 20700 },
    ];

    /// <summary>An offset with seconds (local mean time, before 1900 in most zones): Go shifts the clock by it
    /// but writes whole minutes, so such a time does not round-trip. Snapshots record UTC instead (see
    /// SnapshotOperation); the writer still matches Go.</summary>
    private static readonly FileRecord LocalMeanTime = GoldenFile with { RelativePath = "lmt", ModificationTimeNs = -2_000_000_000L * 1_000_000_000, ModificationTimeOffsetSeconds = 1050 };

    /// <summary>The Go library's config structs (internal/metadata/config.go), for Go programs that need "time".</summary>
    internal const string GoConfigTypes = """
            type FileMetadata struct {
            	Mode     uint32    `json:"mode"`
            	Uid      uint32    `json:"uid"`
            	Gid      uint32    `json:"gid"`
            	Size     int64     `json:"size"`
            	ModTime  time.Time `json:"mtime"`
            	Typeflag byte      `json:"typeflag"`
            }

            type File struct {
            	Digest       string       `json:"digest"`
            	ReadOnly     bool         `json:"readOnly"`
            	RelativePath string       `json:"relativePath"`
            	Metadata     FileMetadata `json:"metadata"`
            }

            type Config struct {
            	Files []File `json:"files"`
            }

            """;

    private static string GoProgram(IEnumerable<FileRecord> files)
    {
        var program = new StringBuilder($$"""
            package main

            import (
            	"encoding/json"
            	"os"
            	"time"
            )

            {{GoConfigTypes}}

            func main() {
            	config := Config{Files: make([]File, 0)}

            """);
        foreach (FileRecord f in files)
        {
            long seconds = Math.DivRem(f.ModificationTimeNs, 1_000_000_000, out long nanos);
            if (nanos < 0)
            {
                seconds--;
                nanos += 1_000_000_000;
            }

            program.Append(CultureInfo.InvariantCulture, $"\tconfig.Files = append(config.Files, File{{Digest: {GoString(f.ContentDigest.ToString())}, ReadOnly: {(f.ReadOnly ? "true" : "false")}, RelativePath: {GoString(f.RelativePath)}, ")
                .Append(CultureInfo.InvariantCulture, $"Metadata: FileMetadata{{Mode: {f.Mode}, Uid: {f.Uid}, Gid: {f.Gid}, Size: {f.Size}, ModTime: time.Unix({seconds}, {nanos}).In(time.FixedZone(\"\", {f.ModificationTimeOffsetSeconds})), Typeflag: {(int)f.Type}}}}})\n");
        }

        return program.Append("\tbytes, err := json.Marshal(config)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tos.Stdout.Write(bytes)\n}\n").ToString();
    }

    private static string GoString(string value)
    {
        var literal = new StringBuilder("\"");
        foreach (Rune rune in value.EnumerateRunes())
        {
            literal.Append(rune.Value is >= 0x20 and < 0x7f and not '"' and not '\\' ? ((char)rune.Value).ToString() : $"\\U{rune.Value:x8}");
        }

        return literal.Append('"').ToString();
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
