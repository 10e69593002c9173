using System.Text;
using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>
/// What every <see cref="IRemoteCatalog"/> must do, run against each implementation (the registry and the
/// OCI image layout): publish and read back exactly, refuse to overwrite a tag, keep namespaces and versions
/// apart, read what the Go library writes, and treat what it reads as untrusted.
/// </summary>
public abstract class RemoteCatalogContract : IDisposable
{
    private readonly List<IRemoteCatalog> _opened = [];

    protected RemoteCatalogContract()
    {
        Temp = new TempDirectory();
    }

    protected TempDirectory Temp { get; }

    private protected IRemoteCatalog Catalog => Open("team/snapshots");

    /// <summary>A catalog on the implementation's store under test, with this namespace (null: none).</summary>
    private protected abstract IRemoteCatalog OpenCatalog(string? repositoryNamespace);

    /// <summary>Stores a manifest and a config as they are, under name:version of the namespace "team/snapshots",
    /// the way another tool could: no check of any kind.</summary>
    protected abstract void PutRaw(string name, string version, byte[] manifest, byte[] config);

    private protected IRemoteCatalog Open(string? repositoryNamespace)
    {
        IRemoteCatalog catalog = OpenCatalog(repositoryNamespace);
        lock (_opened)
        {
            _opened.Add(catalog);
        }

        return catalog;
    }

    [Fact]
    public void An_unknown_tag_is_null()
    {
        string name = RegistryFixture.UniqueName();
        Assert.Null(Catalog.Pull(name, "v1", CancellationToken.None));
        Catalog.Push(name, "v1", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None);
        Assert.Null(Catalog.Pull(name, "v2", CancellationToken.None));
        Assert.Null(Catalog.Pull(RegistryFixture.UniqueName(), "v1", CancellationToken.None));
    }

    [Fact]
    public void What_is_pushed_is_pulled_back_exactly()
    {
        string name = RegistryFixture.UniqueName();
        FileRecord[] files = ArtifactGoldenTests.VariedFiles();
        SnapshotArtifact artifact = SnapshotArtifact.Build(files);

        Catalog.Push(name, "v1", artifact, CancellationToken.None);
        RemoteSnapshot? pulled = Catalog.Pull(name, "v1", CancellationToken.None);

        Assert.NotNull(pulled);
        Assert.Equal(artifact.ManifestDescriptor.Digest, pulled.ManifestDigest);
        Assert.Equal(files.OrderBy(f => f.RelativePath, PathOrder.Instance), pulled.Files);
        Assert.True(pulled.HasSameFiles(files));
    }

    [Fact]
    public void Pushing_the_same_snapshot_again_succeeds_and_another_one_is_refused()
    {
        string name = RegistryFixture.UniqueName();
        SnapshotArtifact first = SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]);
        SnapshotArtifact other = SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile with { Size = 13 }]);
        Catalog.Push(name, "v1", first, CancellationToken.None);

        Catalog.Push(name, "v1", first, CancellationToken.None);
        SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => Catalog.Push(name, "v1", other, CancellationToken.None));

        Assert.Contains($"{name}:v1", e.Message);
        Assert.Equal(first.ManifestDescriptor.Digest, Catalog.Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
        Catalog.Push(name, "v2", other, CancellationToken.None);
        Assert.Equal(other.ManifestDescriptor.Digest, Catalog.Pull(name, "v2", CancellationToken.None)?.ManifestDigest);
    }

    [Fact]
    public void Versions_are_the_tags_of_the_name_and_of_nothing_else()
    {
        string name = RegistryFixture.UniqueName();
        Assert.Empty(Catalog.ListVersions(name, CancellationToken.None));
        var versions = Enumerable.Range(0, 7).Select(i => $"v{i}").ToList();
        foreach (string version in versions)
        {
            Catalog.Push(name, version, SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile with { Size = 100 + version.Length }]), CancellationToken.None);
        }

        Catalog.Push($"{name}-other", "x1", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None);
        Open(null).Push(name, "elsewhere", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None);

        Assert.Equal(versions, Catalog.ListVersions(name, CancellationToken.None).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Delete_removes_the_manifest_and_every_tag_of_it_in_the_repository()
    {
        string name = RegistryFixture.UniqueName();
        SnapshotArtifact shared = SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]);
        SnapshotArtifact other = SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile with { Size = 99 }]);
        Catalog.Push(name, "v1", shared, CancellationToken.None);
        Catalog.Push(name, "v1-again", shared, CancellationToken.None);
        Catalog.Push(name, "v2", other, CancellationToken.None);
        Open(null).Push(name, "v1", shared, CancellationToken.None);

        Assert.Equal(shared.ManifestDescriptor.Digest, Catalog.Delete(name, "v1", CancellationToken.None));

        Assert.Null(Catalog.Pull(name, "v1", CancellationToken.None));
        Assert.Null(Catalog.Pull(name, "v1-again", CancellationToken.None));
        Assert.NotNull(Catalog.Pull(name, "v2", CancellationToken.None));
        Assert.NotNull(Open(null).Pull(name, "v1", CancellationToken.None));
        Assert.Equal(["v2"], Catalog.ListVersions(name, CancellationToken.None));
        Assert.Null(Catalog.Delete(name, "v1", CancellationToken.None));
    }

    [Fact]
    public void Namespaces_keep_snapshots_apart()
    {
        string name = RegistryFixture.UniqueName();
        SnapshotArtifact a = SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]);
        SnapshotArtifact b = SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile with { RelativePath = "other" }]);

        Open(null).Push(name, "v1", a, CancellationToken.None);
        Open("team-b").Push(name, "v1", b, CancellationToken.None);

        Assert.Equal(a.ManifestDescriptor.Digest, Open(null).Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
        Assert.Equal(b.ManifestDescriptor.Digest, Open("team-b").Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
        Assert.Null(Catalog.Pull(name, "v1", CancellationToken.None));
    }

    [Fact]
    public void Concurrent_pushes_of_one_snapshot_all_succeed()
    {
        string name = RegistryFixture.UniqueName();
        SnapshotArtifact artifact = SnapshotArtifact.Build(ArtifactGoldenTests.VariedFiles());

        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => Open("team/snapshots").Push(name, "v1", artifact, CancellationToken.None));

        Assert.Equal(artifact.ManifestDescriptor.Digest, Catalog.Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
    }

    [Fact]
    public void What_the_go_library_publishes_is_read()
    {
        string name = RegistryFixture.UniqueName();
        (byte[] manifest, byte[] config) = GoForm.Artifact(ArtifactGoldenTests.VariedFiles().Reverse().ToArray());
        PutRaw(name, "v1", manifest, config);

        RemoteSnapshot? pulled = Catalog.Pull(name, "v1", CancellationToken.None);

        Assert.NotNull(pulled);
        Assert.Equal(OciDigest.Of(manifest), pulled.ManifestDigest);
        Assert.True(pulled.HasSameFiles(ArtifactGoldenTests.VariedFiles()));
    }

    [Fact]
    public void A_config_with_an_escaping_path_is_corrupt()
    {
        string name = RegistryFixture.UniqueName();
        (byte[] manifest, byte[] config) = GoForm.Artifact([ArtifactGoldenTests.GoldenFile with { RelativePath = "../../etc/cron.d/evil" }]);
        PutRaw(name, "v1", manifest, config);

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Catalog.Pull(name, "v1", CancellationToken.None));

        Assert.Contains("'..'", e.Message);
        Assert.Contains($"{name}:v1", e.Message);
    }

    [Fact]
    public void Another_kind_of_artifact_is_unsupported()
    {
        string name = RegistryFixture.UniqueName();
        byte[] config = "{}"u8.ToArray();
        byte[] manifest = Encoding.UTF8.GetBytes(
            $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.ImageManifest}\",\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{OciDigest.Of(config)}\",\"size\":2}},\"layers\":[]}}");
        PutRaw(name, "v1", manifest, config);

        Assert.Contains("config media type", Expect.Error(ErrorCode.Unsupported, () => Catalog.Pull(name, "v1", CancellationToken.None)).Message);
        Assert.Equal(ErrorCode.AlreadyExists, Expect.Error(ErrorCode.AlreadyExists, () =>
            Catalog.Push(name, "v1", SnapshotArtifact.Build([ArtifactGoldenTests.GoldenFile]), CancellationToken.None)).Code);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (IRemoteCatalog catalog in _opened)
            {
                catalog.Dispose();
            }

            Temp.Dispose();
        }
    }
}
