using System.Text;
using Snapshotter.Oci;
using Snapshotter.Metadata;

namespace Snapshotter.Tests.Support;

/// <summary>
/// The snapshot artifact exactly as Dragonfly's Go library publishes it: files in the order given (Go writes
/// them in completion order), and the manifest Go's ocispec.Manifest marshals, with "layers":null.
/// </summary>
internal static class GoForm
{
    public static (byte[] Manifest, byte[] Config) Artifact(IEnumerable<FileRecord> filesInGoOrder)
    {
        // Each entry is what Go writes for one file: the library's serialization of a one-file config, unwrapped.
        IEnumerable<string> entries = filesInGoOrder.Select(f => Encoding.UTF8.GetString(SnapshotConfig.Serialize([f]))["{\"files\":[".Length..^"]}".Length]);
        byte[] config = Encoding.UTF8.GetBytes("{\"files\":[" + string.Join(',', entries) + "]}");
        byte[] manifest = Encoding.UTF8.GetBytes(
            $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.ImageManifest}\",\"artifactType\":\"{MediaTypes.SnapshotManifest}\","
            + $"\"config\":{{\"mediaType\":\"{MediaTypes.SnapshotConfig}\",\"digest\":\"{OciDigest.Of(config)}\",\"size\":{config.Length}}},\"layers\":null}}");
        return (manifest, config);
    }
}
