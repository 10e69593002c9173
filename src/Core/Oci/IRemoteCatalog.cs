namespace Snapshotter.Oci;

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
    /// Publishes the artifact as name:version: the config blob first, then the manifest under the tag, so a
    /// reader never finds a tag whose config is missing. A tag already holding this very manifest is success
    /// with nothing written; a tag holding another manifest is ALREADY_EXISTS and is left as it is.
    /// </summary>
    void Push(string name, string version, SnapshotArtifact artifact, CancellationToken cancellation);
}
