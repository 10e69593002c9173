using System.Globalization;
using System.Text;
using Snapshotter.Oci;
using Snapshotter.Content;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>
/// The snapshot artifact's exact bytes: the config as Go's json.Marshal writes the Go library's
/// metadata.Config (checked against Go itself), sorted by path, and the manifest, both with pinned digests.
/// </summary>
public sealed class ArtifactGoldenTests
{
    /// <summary>compat.md section 4's example file: "test content", read-only, 0644, 2025-12-30T10:00:00.123456789+08:00.</summary>
    internal static readonly FileRecord CompatExample = new(
        "dir/file", new Digest(0x5e0ba398f628c5e4), ReadOnly: true, Mode: 420, Uid: 0, Gid: 0, Size: 12,
        ModificationTimeNs: (1_767_060_000L * 1_000_000_000) + 123_456_789, ModificationTimeOffsetSeconds: 28800, TypeFlag: 0);

    private const string CompatConfig =
        "{\"files\":[{\"digest\":\"xxh3:5e0ba398f628c5e4\",\"readOnly\":true,\"relativePath\":\"dir/file\","
        + "\"metadata\":{\"mode\":420,\"uid\":0,\"gid\":0,\"size\":12,\"mtime\":\"2025-12-30T10:00:00.123456789+08:00\",\"typeflag\":0}}]}";

    private const string CompatConfigDigest = "sha256:867cf9102268660b576016cac964aa4f0bbc4718332d7c5e2367c1932cc89cfe";

    private const string CompatManifest =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"artifactType\":\"application/vnd.cncf.dragonfly.snapshotter.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.cncf.dragonfly.snapshotter.config.v1+json\","
        + "\"digest\":\"" + CompatConfigDigest + "\",\"size\":197},\"layers\":[]}";

    [Fact]
    public void The_compat_example_gives_the_pinned_config_manifest_and_digests()
    {
        SnapshotArtifact artifact = SnapshotArtifact.Build([CompatExample]);

        Assert.Equal(CompatConfig, Encoding.UTF8.GetString(artifact.Config));
        Assert.Equal(new BlobDescriptor(CompatConfigDigest, 197), artifact.ConfigDescriptor);
        Assert.Equal(CompatManifest, Encoding.UTF8.GetString(artifact.Manifest));
        Assert.Equal(new BlobDescriptor("sha256:5d8dc9c4ef88e0eb8c5ce6b81822e44efcf7e26a6838bef2164098b61f51ef7c", 342), artifact.ManifestDescriptor);
    }

    [Fact]
    public void An_empty_snapshot_writes_an_empty_array_as_go_does_for_its_preallocated_slice() =>
        Assert.Equal("{\"files\":[]}", Encoding.UTF8.GetString(SnapshotConfig.Serialize([])));

    [Fact]
    public void Files_are_sorted_by_the_utf8_bytes_of_their_path_whatever_order_they_come_in()
    {
        string[] paths = ["b", "\U0001F600.bin", "a/z", "\uE000.bin", "A", "a"];
        string[] expected = ["A", "a", "a/z", "b", "\uE000.bin", "\U0001F600.bin"];
        FileRecord[] files = paths.Select(p => CompatExample with { RelativePath = p }).ToArray();

        List<FileRecord> written = SnapshotConfig.Parse(SnapshotConfig.Serialize(files), "test");

        Assert.Equal(expected, written.Select(f => f.RelativePath));
        Assert.Equal(SnapshotConfig.Serialize(files), SnapshotConfig.Serialize(files.Reverse()));
        Assert.Equal(expected, paths.Order(Utf8Order.Instance));
        Assert.Equal(expected.Select(p => Encoding.UTF8.GetBytes(p)).ToArray(), paths.Select(p => Encoding.UTF8.GetBytes(p)).OrderBy(b => b, new ByteOrder()).ToArray());
    }

    [Fact]
    public void Every_field_round_trips_through_the_config()
    {
        FileRecord[] files = VariedFiles();
        Assert.Equal(files.OrderBy(f => f.RelativePath, Utf8Order.Instance), SnapshotConfig.Parse(SnapshotConfig.Serialize(files), "test"));
    }

    /// <summary>Go's own encoding/json marshals the Go library's structs from the same values: same bytes.
    /// (The Go here may predate 1.22, which writes \b and \f short: those are pinned in GoJsonTests.)</summary>
    [Fact]
    public void The_config_is_byte_for_byte_what_go_marshals()
    {
        FileRecord[] files = VariedFiles().Append(LocalMeanTime).OrderBy(f => f.RelativePath, Utf8Order.Instance).ToArray();
        using var temp = new TempDirectory();
        string program = temp.Combine("main.go");
        File.WriteAllText(program, GoProgram(files));

        string goOutput = Tools.Run("go", ["run", program], stdin: null, workingDirectory: temp.Path, environment: null);

        Assert.Equal(goOutput, Encoding.UTF8.GetString(SnapshotConfig.Serialize(files)));
    }

    internal static FileRecord[] VariedFiles() =>
    [
        CompatExample,
        CompatExample with { RelativePath = "models/<weights>&co \"v2\".bin", ReadOnly = false, Mode = 0x180, Uid = 1000, Gid = 4294967294, Size = 1L << 40 },
        CompatExample with { RelativePath = "unicode/é日本😀\u2028\t.txt", Digest = new Digest(0x1), Mode = 0x1FF, ModificationTimeNs = -1, ModificationTimeOffsetSeconds = -19800 },
        CompatExample with { RelativePath = "whole-second", Digest = new Digest(ulong.MaxValue), ModificationTimeNs = 1_600_000_000L * 1_000_000_000, ModificationTimeOffsetSeconds = 0 },
        CompatExample with { RelativePath = "a/b/c/d/e/deep", Size = 0, ModificationTimeNs = (1_700_000_000L * 1_000_000_000) + 100, ModificationTimeOffsetSeconds = 20700 },
    ];

    /// <summary>An offset with seconds (local mean time, before 1900 in most zones): Go shifts the clock by it
    /// but writes whole minutes, so such a time does not round-trip. Snapshots record UTC instead (see
    /// SnapshotOperation); the writer still matches Go.</summary>
    private static readonly FileRecord LocalMeanTime = CompatExample with { RelativePath = "lmt", ModificationTimeNs = -2_000_000_000L * 1_000_000_000, ModificationTimeOffsetSeconds = 1050 };

    private static string GoProgram(IEnumerable<FileRecord> files)
    {
        var program = new StringBuilder("""
            package main

            import (
            	"encoding/json"
            	"os"
            	"time"
            )

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

            program.Append(CultureInfo.InvariantCulture, $"\tconfig.Files = append(config.Files, File{{Digest: {GoString(f.Digest.ToString())}, ReadOnly: {(f.ReadOnly ? "true" : "false")}, RelativePath: {GoString(f.RelativePath)}, ")
                .Append(CultureInfo.InvariantCulture, $"Metadata: FileMetadata{{Mode: {f.Mode}, Uid: {f.Uid}, Gid: {f.Gid}, Size: {f.Size}, ModTime: time.Unix({seconds}, {nanos}).In(time.FixedZone(\"\", {f.ModificationTimeOffsetSeconds})), Typeflag: {f.TypeFlag}}}}})\n");
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
