namespace Snapshotter.Oci;

/// <summary>The media types of the snapshot artifact, as Dragonfly's Go snapshotter publishes it.</summary>
internal static class MediaTypes
{
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    public const string SnapshotManifest = "application/vnd.cncf.dragonfly.snapshotter.manifest.v1+json";
    public const string SnapshotConfig = "application/vnd.cncf.dragonfly.snapshotter.config.v1+json";
}
