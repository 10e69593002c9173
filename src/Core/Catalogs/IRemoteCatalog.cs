using Snapshotter.Oci;

namespace Snapshotter.Catalogs;

/// <summary>
/// Where snapshot metadata lives beyond this machine: an OCI registry, or an OCI image layout directory.
/// A snapshot name:version is the artifact tagged &lt;version&gt; in the repository &lt;namespace&gt;/&lt;name&gt;.
/// Implementations are safe for concurrent calls.
/// </summary>
internal interface IRemoteCatalog : IDisposable
{
    /// <summary>Where the metadata goes, for messages: never holds credentials.</summary>
    string Location { get; }

    /// <summary>
    /// The snapshot tagged name:version, with every digest verified and every entry validated as untrusted
    /// input (CORRUPT, or UNSUPPORTED for an artifact that is not a snapshot); null when there is no such tag.
    /// </summary>
    RemoteSnapshot? Pull(string name, string version, CancellationToken cancellation);

    /// <summary>
    /// Pushes the artifact as name:version: the config blob first, then the manifest under the tag, so a
    /// reader never finds a tag whose config is missing. A tag already holding this very manifest is success
    /// with nothing written; a tag holding another manifest is ALREADY_EXISTS and is left as it is.
    /// </summary>
    void Push(string name, string version, SnapshotArtifact artifact, CancellationToken cancellation);

    /// <summary>The versions of <paramref name="name"/>: the tags of its repository, in the catalog's order (of a
    /// registry, every page of its tag list). A repository the catalog does not know has none.</summary>
    IReadOnlyList<string> ListVersions(string name, CancellationToken cancellation);

    /// <summary>
    /// Deletes the manifest tagged name:version, by its digest as registries require, so every other tag of that
    /// very manifest in the repository goes with it. Blobs stay for the catalog's own collection. Returns the
    /// digest deleted, or null when no such tag exists.
    /// </summary>
    string? Delete(string name, string version, CancellationToken cancellation);
}
