using Snapshotter.Hashing;

namespace Snapshotter.Providers;

/// <summary>
/// Where content lives beyond this machine, named as in object storage (xxh3/&lt;hex&gt;, holding SPF1 bytes):
/// Dragonfly's P2P network in front of object storage, or a plain shared directory. Snapshots publish the
/// content they need through it; restores fetch what the local store lacks.
/// </summary>
internal interface IContentProvider
{
    /// <summary>Where the content goes, for messages and for remembering what was published: never holds secrets.</summary>
    string Location { get; }

    /// <summary>Uploads the SPF1 file of <paramref name="digest"/>. Content already there is success.</summary>
    void Upload(Digest digest, string contentPath, CancellationToken cancellation);

    /// <summary>
    /// Fetches the content of <paramref name="digest"/> into <paramref name="stagingPath"/>, which does not exist
    /// yet and lies in a private directory on the store's filesystem. The caller verifies what arrives.
    /// Content the provider does not have is <see cref="Errors.ErrorCode.NotFound"/> naming the digest.
    /// </summary>
    void Download(Digest digest, string stagingPath, Action<long>? onBytes, CancellationToken cancellation);
}
