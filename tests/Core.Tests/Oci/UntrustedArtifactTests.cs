using System.Text;
using Snapshotter.Oci;
using Snapshotter.Errors;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>
/// Configs and manifests from elsewhere are untrusted input: what the Go library writes is accepted (any
/// order, any offset, "layers":null), and everything that could escape the output dir, lie about sizes or
/// digests, or is simply not a snapshot is refused with a message naming the entry.
/// </summary>
public sealed class UntrustedArtifactTests
{
    private const string Mtime = "2025-12-30T10:00:00.123456789+08:00";

    private static string Entry(string path, string digest = "xxh3:5e0ba398f628c5e4", string size = "12", string mode = "420", string mtime = Mtime, string typeflag = "0") =>
        $"{{\"digest\":\"{digest}\",\"readOnly\":false,\"relativePath\":\"{path}\",\"metadata\":{{\"mode\":{mode},\"uid\":0,\"gid\":0,\"size\":{size},\"mtime\":\"{mtime}\",\"typeflag\":{typeflag}}}}}";

    private static string Config(params string[] entries) => $"{{\"files\":[{string.Join(',', entries)}]}}";

    private static List<FileRecord> Parse(string json) => SnapshotConfig.Parse(Encoding.UTF8.GetBytes(json), "config of app:v1");

    [Fact]
    public void What_the_go_library_writes_is_accepted_in_any_order_and_offset()
    {
        List<FileRecord> files = Parse(Config(Entry("z/last"), Entry("./a//first", mtime: "2025-12-30T02:00:00.123456789Z"), Entry("m", digest: "xxh3:ABC")));

        Assert.Equal(["z/last", "a/first", "m"], files.Select(f => f.RelativePath));
        Assert.Equal(files[0].ModificationTimeNs, files[1].ModificationTimeNs);
        Assert.Equal((28800, 0), (files[0].ModificationTimeOffsetSeconds, files[1].ModificationTimeOffsetSeconds));
        Assert.Equal("xxh3:abc", files[2].Digest.ToString());
        Assert.Empty(Parse("{\"files\":null}"));
        Assert.Single(Parse("{\"unknown\":{\"x\":[1,2]},\"files\":[" + Entry("a").Replace("\"readOnly\"", "\"future\":true,\"readOnly\"") + "]}"));
    }

    [Theory]
    [InlineData("../escape", "contains '..'")]
    [InlineData("a/../../escape", "contains '..'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("", "empty")]
    [InlineData(".", "names the directory itself")]
    [InlineData("a\\u0000b", "NUL")]
    [InlineData(".snapshotter-incomplete-restore", "reserved name")]
    [InlineData("sub/", "ends with '/'")]
    public void Paths_that_leave_the_output_dir_are_corrupt(string path, string reason)
    {
        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Parse(Config(Entry("ok"), Entry(path))));
        Assert.Contains("files[1]", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Contains("config of app:v1", e.Message);
    }

    [Theory]
    [InlineData("xxh3:", "malformed digest")]
    [InlineData("xxh3:12345678901234567", "malformed digest")]
    [InlineData("sha256:5e0ba398f628c5e4", "malformed digest")]
    [InlineData("xxh3:zz", "malformed digest")]
    public void Bad_digests_are_corrupt(string digest, string reason)
    {
        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Parse(Config(Entry("a/file", digest: digest))));
        Assert.Contains(reason, e.Message);
        Assert.Contains("'a/file'", e.Message);
        Assert.Contains(digest, e.Message);
    }

    [Theory]
    [InlineData("-1", "size -1")]
    [InlineData("1125899906842625", "size 1125899906842625")]
    [InlineData("9223372036854775808", "size is not an integer")]
    [InlineData("1.5", "size is not an integer")]
    [InlineData("\"12\"", "size is not an integer")]
    public void Absurd_sizes_are_corrupt(string size, string reason) =>
        Assert.Contains(reason, Expect.Error(ErrorCode.Corrupt, () => Parse(Config(Entry("big", size: size)))).Message);

    [Fact]
    public void Sizes_that_add_up_to_too_much_are_corrupt()
    {
        string[] entries = Enumerable.Range(0, 1100).Select(i => Entry($"f{i}", size: (1L << 50).ToString())).ToArray();
        Assert.Contains("add up", Expect.Error(ErrorCode.Corrupt, () => Parse(Config(entries))).Message);
    }

    [Theory]
    [InlineData("4096", "mode 010000")]
    [InlineData("4294967296", "mode is not an integer")]
    public void Modes_beyond_permission_and_special_bits_are_corrupt(string mode, string reason) =>
        Assert.Contains(reason, Expect.Error(ErrorCode.Corrupt, () => Parse(Config(Entry("setuid", mode: mode)))).Message);

    [Fact]
    public void Files_holds_regular_files_and_hardlinks_only() =>
        Assert.Contains("typeflag 5", Expect.Error(ErrorCode.Unsupported, () => Parse(Config(Entry("dir", typeflag: "5")))).Message);

    [Theory]
    [InlineData("not a time")]
    [InlineData("1500-01-01T00:00:00Z")]
    public void Bad_mtimes_are_corrupt(string mtime) =>
        Assert.Contains("mtime", Expect.Error(ErrorCode.Corrupt, () => Parse(Config(Entry("t", mtime: mtime)))).Message);

    [Fact]
    public void A_path_given_twice_is_corrupt() =>
        Assert.Contains("'a/b' appears more than once", Expect.Error(ErrorCode.Corrupt, () => Parse(Config(Entry("a/b"), Entry("a//b")))).Message);

    [Theory]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"files\":{}}", "not an array")]
    [InlineData("{\"files\":[1]}", "not an object")]
    [InlineData("{\"files\":[]} trailing", "malformed JSON")]
    [InlineData("{\"files\":[", "malformed JSON")]
    [InlineData("{\"files\":[{\"relativePath\":\"a\"}]}", "has no digest")]
    [InlineData("{\"files\":[{\"relativePath\":\"\\ud800\"}]}", "malformed JSON")]
    public void Malformed_configs_are_corrupt(string json, string reason) =>
        Assert.Contains(reason, Expect.Error(ErrorCode.Corrupt, () => Parse(json)).Message);

    [Fact]
    public void A_missing_metadata_field_is_named()
    {
        string entry = Entry("a").Replace(",\"gid\":0", "");
        Assert.Contains("metadata.gid", Expect.Error(ErrorCode.Corrupt, () => Parse(Config(entry))).Message);
    }

    private const string ConfigDigest = "sha256:867cf9102268660b576016cac964aa4f0bbc4718332d7c5e2367c1932cc89cfe";

    private static string Manifest(string layers = "[]", string artifactType = MediaTypes.SnapshotManifest, string configMediaType = MediaTypes.SnapshotConfig, string digest = ConfigDigest, string size = "197") =>
        $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.ImageManifest}\",\"artifactType\":\"{artifactType}\",\"config\":{{\"mediaType\":\"{configMediaType}\",\"digest\":\"{digest}\",\"size\":{size}}},\"layers\":{layers}}}";

    private static BlobDescriptor ParseManifest(string json) => SnapshotManifest.Parse(Encoding.UTF8.GetBytes(json), "ns/app:v1");

    [Fact]
    public void Manifests_with_null_or_empty_layers_and_without_artifact_type_are_accepted()
    {
        var expected = new BlobDescriptor(ConfigDigest, 197);
        Assert.Equal(expected, ParseManifest(Manifest(layers: "null")));
        Assert.Equal(expected, ParseManifest(Manifest()));
        Assert.Equal(expected, ParseManifest(Manifest().Replace($"\"artifactType\":\"{MediaTypes.SnapshotManifest}\",", "")));
    }

    [Theory]
    [InlineData("application/vnd.example.other+json", MediaTypes.SnapshotConfig, "artifactType")]
    [InlineData(MediaTypes.SnapshotManifest, "application/vnd.oci.image.config.v1+json", "config media type")]
    public void Other_kinds_of_artifacts_are_unsupported(string artifactType, string configMediaType, string named) =>
        Assert.Contains(named, Expect.Error(ErrorCode.Unsupported, () => ParseManifest(Manifest(artifactType: artifactType, configMediaType: configMediaType))).Message);

    [Theory]
    [InlineData("sha256:abc", "197", "config digest")]
    [InlineData("sha512:" + "867cf9102268660b576016cac964aa4f0bbc4718332d7c5e2367c1932cc89cfe", "197", "config digest")]
    [InlineData(ConfigDigest, "-1", "config size")]
    [InlineData(ConfigDigest, "67108865", "config size")]
    public void Bad_config_descriptors_are_corrupt(string digest, string size, string named) =>
        Assert.Contains(named, Expect.Error(ErrorCode.Corrupt, () => ParseManifest(Manifest(digest: digest, size: size))).Message);

    [Fact]
    public void A_manifest_of_another_schema_is_corrupt() =>
        Assert.Contains("schemaVersion", Expect.Error(ErrorCode.Corrupt, () => ParseManifest(Manifest().Replace("\"schemaVersion\":2", "\"schemaVersion\":1"))).Message);
}
