namespace Snapshotter.Oci;

/// <summary>An OCI descriptor's identity: "sha256:&lt;hex&gt;" and the blob's size in bytes.</summary>
internal readonly record struct BlobDescriptor(string Digest, long Size);
