using System.Text.Json.Nodes;
using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.Oci;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>The catalog contract on an OCI image layout directory, plus what is particular to layouts.</summary>
public sealed class OciLayoutCatalogTests : RemoteCatalogContract
{
    private string LayoutDir => Temp.Combine("layout");

    private protected override IRemoteCatalog OpenCatalog(string? repositoryNamespace) =>
        RemoteCatalogs.Open(new RegistryOptions { Url = "oci:" + LayoutDir, Namespace = repositoryNamespace }, TimeProvider.System);

    protected override void PutRaw(string name, string version, byte[] manifest, byte[] config)
    {
        string blobs = Directory.CreateDirectory(Path.Join(LayoutDir, "blobs", "sha256")).FullName;
        File.WriteAllBytes(Path.Join(blobs, OciDigest.Hex(OciDigest.Of(config))), config);
        File.WriteAllBytes(Path.Join(blobs, OciDigest.Hex(OciDigest.Of(manifest))), manifest);
        string indexPath = Path.Join(LayoutDir, "index.json");
        JsonNode index = File.Exists(indexPath) ? JsonNode.Parse(File.ReadAllText(indexPath))! : new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray() };
        index["manifests"]!.AsArray().Add(new JsonObject
        {
            ["mediaType"] = MediaTypes.ImageManifest,
            ["digest"] = OciDigest.Of(manifest),
            ["size"] = manifest.Length,
            ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = $"team/snapshots/{name}:{version}" },
        });
        File.WriteAllText(indexPath, index.ToJsonString());
    }

    [Fact]
    public void The_layout_is_a_valid_oci_layout_that_keeps_what_others_put_in_its_index()
    {
        Directory.CreateDirectory(LayoutDir);
        File.WriteAllText(Path.Join(LayoutDir, "index.json"),
            "{\"schemaVersion\":2,\"annotations\":{\"keep\":\"me\"},\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:" + new string('0', 64) + "\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":\"other:latest\"}}]}");

        Catalog.Push("app", "v1", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None);

        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(Path.Join(LayoutDir, "oci-layout")));
        JsonNode index = JsonNode.Parse(File.ReadAllText(Path.Join(LayoutDir, "index.json")))!;
        Assert.Equal("me", (string?)index["annotations"]!["keep"]);
        Assert.Equal(MediaTypes.ImageIndex, (string?)index["mediaType"]);
        JsonArray manifests = index["manifests"]!.AsArray();
        Assert.Equal(["other:latest", "team/snapshots/app:v1"], manifests.Select(m => (string?)m!["annotations"]!["org.opencontainers.image.ref.name"]));
        Assert.Equal(MediaTypes.SnapshotManifest, (string?)manifests[1]!["artifactType"]);
        Assert.Equal(2, Directory.GetFiles(Path.Join(LayoutDir, "blobs", "sha256")).Length);
        Assert.Empty(Directory.GetFiles(LayoutDir, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_tampered_blob_is_corrupt_naming_it()
    {
        Catalog.Push("app", "v1", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None);
        string config = Path.Join(LayoutDir, "blobs", "sha256", "867cf9102268660b576016cac964aa4f0bbc4718332d7c5e2367c1932cc89cfe");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"size\":12", "\"size\":99"));

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Catalog.Pull("app", "v1", CancellationToken.None));

        Assert.Contains("sha256:867cf9102268660b576016cac964aa4f0bbc4718332d7c5e2367c1932cc89cfe", e.Message);
    }

    [Fact]
    public void A_missing_blob_is_not_found_and_a_missing_layout_is_no_snapshot()
    {
        Assert.Null(Catalog.Pull("app", "v1", CancellationToken.None));
        Assert.False(Directory.Exists(LayoutDir));
        Catalog.Push("app", "v1", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None);
        File.Delete(Path.Join(LayoutDir, "blobs", "sha256", "867cf9102268660b576016cac964aa4f0bbc4718332d7c5e2367c1932cc89cfe"));

        Assert.Contains("missing", Expect.Error(ErrorCode.NotFound, () => Catalog.Pull("app", "v1", CancellationToken.None)).Message);
    }
}
