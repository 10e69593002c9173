using Snapshotter.Metadata;

namespace Snapshotter.Oci;

/// <summary>A snapshot as an OCI artifact, ready to publish: the config blob and the manifest pointing at it.</summary>
internal sealed class SnapshotArtifact
{
    private SnapshotArtifact(byte[] config, byte[] manifest)
    {
        Config = config;
        ConfigDescriptor = new BlobDescriptor(OciDigest.Of(config), config.Length);
        Manifest = manifest;
        ManifestDescriptor = new BlobDescriptor(OciDigest.Of(manifest), manifest.Length);
    }

    public byte[] Config { get; }

    public BlobDescriptor ConfigDescriptor { get; }

    public byte[] Manifest { get; }

    public BlobDescriptor ManifestDescriptor { get; }

    public static SnapshotArtifact Build(IEnumerable<FileRecord> files)
    {
        byte[] config = SnapshotConfig.Serialize(files);
        return new SnapshotArtifact(config, SnapshotManifest.Serialize(new BlobDescriptor(OciDigest.Of(config), config.Length)));
    }
}
