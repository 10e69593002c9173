using Snapshotter.Catalogs;
using Snapshotter.Oci;
using Snapshotter.Registry;
using Snapshotter.Tests.Oci;
using Snapshotter.Tests.Support;
using Fault = Snapshotter.Tests.Support.FaultProxy.Fault;

namespace Snapshotter.Tests.Registry;

/// <summary>
/// The distribution API as the client speaks it to a real registry, observed through the proxy: chunked
/// uploads, relative Location headers, cross-repository mounts, blobs already there, tag pagination and
/// deletion by digest.
/// </summary>
public sealed class DistributionClientTests : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly FaultProxy _proxy;

    public DistributionClientTests(RegistryFixture registry)
    {
        _proxy = new FaultProxy(registry.Server.Port);
    }

    public void Dispose() => _proxy.Dispose();

    private static SnapshotArtifact LargeArtifact(string name) =>
        SnapshotArtifact.Build(Enumerable.Range(0, 40).Select(i => ArtifactGoldenTests.GoldenFile with { RelativePath = $"{name}/file-{i:D3}" }));

    [Fact]
    public void Large_blobs_go_up_in_patch_chunks_and_come_back_whole()
    {
        string name = RegistryFixture.UniqueName();
        SnapshotArtifact artifact = LargeArtifact(name);
        RegistryOptions options = RegistryTestClient.Options(_proxy.Url);
        using RegistryCatalog catalog = RegistryTestClient.Open(new RegistryOptions { Url = options.Url, Namespace = options.Namespace, ChunkBytes = 1000 });

        catalog.Push(name, "v1", artifact, CancellationToken.None);

        Assert.True(artifact.Config.Length > 5000);
        Assert.Equal((artifact.Config.Length + 999) / 1000, _proxy.Count("PATCH", "/blobs/uploads/"));
        Assert.Equal(artifact.ManifestDescriptor.Digest, catalog.Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
    }

    [Fact]
    public void Relative_upload_locations_are_resolved_against_the_registry()
    {
        string name = RegistryFixture.UniqueName();
        _proxy.Inject("POST", "/blobs/uploads/", new Fault.RelativeLocation());
        _proxy.Inject("PATCH", "/blobs/uploads/", new Fault.RelativeLocation(), times: int.MaxValue);
        using RegistryCatalog catalog = RegistryTestClient.Open(new RegistryOptions { Url = _proxy.Url, Namespace = "team", ChunkBytes = 2000 });

        catalog.Push(name, "v1", LargeArtifact(name), CancellationToken.None);

        Assert.Contains(_proxy.Requests, r => r.Fault is Fault.RelativeLocation && r.Method == "PATCH");
        Assert.Contains(_proxy.Requests, r => r.Method == "PUT" && r.Target.Contains("digest=sha256%3A", StringComparison.Ordinal));
        Assert.NotNull(catalog.Pull(name, "v1", CancellationToken.None));
    }

    [Fact]
    public void A_blob_known_in_another_repository_is_mounted_not_uploaded()
    {
        string first = RegistryFixture.UniqueName(), second = RegistryFixture.UniqueName();
        SnapshotArtifact artifact = RegistryTestClient.Artifact();
        using RegistryCatalog catalog = RegistryTestClient.Open(_proxy.Url);

        catalog.Push(first, "v1", artifact, CancellationToken.None);
        int uploads = _proxy.Count("PUT", "/blobs/uploads/");
        catalog.Push(second, "v1", artifact, CancellationToken.None);

        Assert.Contains(_proxy.Requests, r => r.Method == "POST" && r.Target.Contains($"team/{second}/blobs/uploads/?mount=sha256%3A", StringComparison.Ordinal) && r.Target.Contains($"from=team%2F{first}", StringComparison.Ordinal));
        Assert.Equal(uploads, _proxy.Count("PUT", "/blobs/uploads/"));
        Assert.NotNull(catalog.Pull(second, "v1", CancellationToken.None));
    }

    [Fact]
    public void A_blob_already_in_the_repository_is_not_sent_again()
    {
        string name = RegistryFixture.UniqueName();
        using RegistryCatalog catalog = RegistryTestClient.Open(_proxy.Url);
        catalog.Push(name, "v1", RegistryTestClient.Artifact(), CancellationToken.None);
        int posts = _proxy.Count("POST", "/blobs/uploads/");

        catalog.Push(name, "v2", RegistryTestClient.Artifact(), CancellationToken.None);

        Assert.Equal(posts, _proxy.Count("POST", "/blobs/uploads/"));
    }

    [Fact]
    public void Tags_are_listed_and_manifests_deleted_by_digest()
    {
        string name = RegistryFixture.UniqueName();
        using RegistryCatalog catalog = RegistryTestClient.Open(_proxy.Url);
        string[] versions = ["v1", "v2", "v3"];
        foreach (string version in versions)
        {
            catalog.Push(name, version, RegistryTestClient.Artifact(version), CancellationToken.None);
        }

        Assert.Equal(versions, Tags(catalog, name, pageSize: 100).Order());
        string digest = catalog.Pull(name, "v2", CancellationToken.None)!.ManifestDigest;
        Blocking.Run(() => catalog.Client.DeleteManifestAsync(catalog.Repository(name), digest, CancellationToken.None));

        Assert.Null(catalog.Pull(name, "v2", CancellationToken.None));
        Assert.Equal(["v1", "v3"], Tags(catalog, name, pageSize: 100).Order());
        Assert.Empty(Tags(catalog, RegistryFixture.UniqueName(), pageSize: 10));
    }

    /// <summary>distribution 2.8 returns every tag at once, so the pages here come from the proxy: absolute and
    /// relative Link headers, as registries that paginate send them.</summary>
    [Fact]
    public void Tag_pages_are_followed_through_link_headers()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(_proxy.Url);
        _proxy.Inject("GET", "/v2/team/paged/tags/list?n=2", new Fault.Respond(200, "{\"name\":\"team/paged\",\"tags\":[\"a\",\"b\"]}", Link: $"<{_proxy.Url}/v2/team/paged/tags/list?last=b&n=2>; rel=\"next\""));
        _proxy.Inject("GET", "last=b", new Fault.Respond(200, "{\"name\":\"team/paged\",\"tags\":[\"c\",\"d\"]}", Link: "</v2/team/paged/tags/list?last=d&n=2>; rel=\"next\""));
        _proxy.Inject("GET", "last=d", new Fault.Respond(200, "{\"name\":\"team/paged\",\"tags\":[\"e\"]}"));

        Assert.Equal(["a", "b", "c", "d", "e"], Tags(catalog, "paged", pageSize: 2));
        Assert.Equal(3, _proxy.Count("GET", "/tags/list"));
    }

    private static List<string> Tags(RegistryCatalog catalog, string name, int pageSize) =>
        Blocking.Run(() => catalog.Client.ListTagsAsync(catalog.Repository(name), pageSize, CancellationToken.None));
}
