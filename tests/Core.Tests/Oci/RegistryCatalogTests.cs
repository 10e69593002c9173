using Snapshotter.Catalogs;
using Snapshotter.Oci;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Oci;

/// <summary>The catalog contract on a real registry (Debian's docker-registry).</summary>
public sealed class RegistryCatalogTests : RemoteCatalogContract, IClassFixture<RegistryFixture>
{
    private readonly RegistryFixture _registry;

    public RegistryCatalogTests(RegistryFixture registry)
    {
        _registry = registry;
    }

    private protected override IRemoteCatalog OpenCatalog(string? repositoryNamespace) =>
        RemoteCatalogs.Open(new RegistryOptions { Url = _registry.Server.Url, Namespace = repositoryNamespace }, TimeProvider.System);

    protected override void PutRaw(string name, string version, byte[] manifest, byte[] config)
    {
        using var catalog = (RegistryCatalog)OpenCatalog("team/snapshots");
        string repository = catalog.Repository(name);
        Blocking.Run(async () =>
        {
            await catalog.Client.PushBlobAsync(repository, new BlobDescriptor(OciDigest.Of(config), config.Length), config, CancellationToken.None);
            await catalog.Client.PutManifestAsync(repository, version, manifest, CancellationToken.None);
        });
    }
}
