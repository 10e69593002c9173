using Snapshotter.Errors;
using Snapshotter.Oci;
using Snapshotter.Registry;

namespace Snapshotter.Catalogs;

/// <summary>Snapshot metadata in an OCI registry: repository &lt;namespace&gt;/&lt;name&gt;, tag &lt;version&gt;.</summary>
internal sealed class RegistryCatalog : IRemoteCatalog
{
    /// <summary>Tags asked for per page; the registry may send fewer, and says where the next page is.</summary>
    private const int TagPageSize = 100;

    private readonly DistributionClient _client;
    private readonly string? _namespace;

    public RegistryCatalog(DistributionClient client, string? repositoryNamespace)
    {
        _client = client;
        _namespace = repositoryNamespace;
    }

    public string Location => "registry " + _client.Location;

    internal DistributionClient Client => _client;

    public string Repository(string name) => _namespace is null ? name : $"{_namespace}/{name}";

    public RemoteSnapshot? Pull(string name, string version, CancellationToken cancellation) =>
        Blocking.Run(async () =>
        {
            string repository = Repository(name);
            string source = $"{repository}:{version} in {Location}";
            if (await _client.GetManifestAsync(repository, version, cancellation).ConfigureAwait(false) is not { } manifest)
            {
                return null;
            }

            BlobDescriptor config = SnapshotManifest.Parse(manifest.Bytes, source);
            byte[] bytes = await _client.GetBlobAsync(repository, config, cancellation).ConfigureAwait(false);
            return RemoteSnapshot.FromConfig(manifest.Digest, config, bytes, source);
        });

    public void Push(string name, string version, SnapshotArtifact artifact, CancellationToken cancellation) =>
        Blocking.Run(async () =>
        {
            string repository = Repository(name);
            string? current = await _client.ResolveManifestAsync(repository, version, cancellation).ConfigureAwait(false);
            if (current == artifact.ManifestDescriptor.Digest)
            {
                return;
            }

            if (current is not null)
            {
                throw SnapshotterException.AlreadyExists($"{repository}:{version} in {Location} already holds another manifest ({current})");
            }

            await _client.PushBlobAsync(repository, artifact.ConfigDescriptor, artifact.Config, cancellation).ConfigureAwait(false);
            await _client.PutManifestAsync(repository, version, artifact.Manifest, cancellation).ConfigureAwait(false);
        });

    public IReadOnlyList<string> ListVersions(string name, CancellationToken cancellation) =>
        Blocking.Run(() => _client.ListTagsAsync(Repository(name), TagPageSize, cancellation));

    public string? Delete(string name, string version, CancellationToken cancellation) =>
        Blocking.Run(async () =>
        {
            string repository = Repository(name);
            if (await _client.ResolveManifestAsync(repository, version, cancellation).ConfigureAwait(false) is not { } digest)
            {
                return null;
            }

            await _client.DeleteManifestAsync(repository, digest, cancellation).ConfigureAwait(false);
            return digest;
        });

    public void Dispose() => _client.Dispose();
}
