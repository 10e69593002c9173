using System.Globalization;
using System.Text;
using System.Text.Json;
using Snapshotter.Errors;

namespace Snapshotter.Oci;

/// <summary>
/// The OCI image manifest of a snapshot: artifactType and config media type are the Go library's; there are
/// no layers. The Go library writes "layers":null (Go's nil slice); this library writes "layers":[], the form
/// the OCI schema requires, and accepts both.
/// </summary>
internal static class SnapshotManifest
{
    /// <summary>The limit most registries put on manifests.</summary>
    public const long MaxManifestBytes = 4L << 20;

    private const int MaxDepth = 16;

    public static byte[] Serialize(BlobDescriptor config) =>
        Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.ImageManifest + "\",\"artifactType\":\"" + MediaTypes.SnapshotManifest
            + "\",\"config\":{\"mediaType\":\"" + MediaTypes.SnapshotConfig + "\",\"digest\":\"" + config.Digest
            + "\",\"size\":" + config.Size.ToString(CultureInfo.InvariantCulture) + "},\"layers\":[]}");

    /// <summary>
    /// The config descriptor of a manifest received from elsewhere. Anything but an OCI image manifest whose
    /// config has the snapshot config media type (and whose artifactType, when present, is the snapshot's) is
    /// refused: UNSUPPORTED for another kind of artifact, CORRUPT for a malformed one.
    /// </summary>
    public static BlobDescriptor Parse(ReadOnlySpan<byte> json, string source)
    {
        int? schemaVersion = null;
        string? mediaType = null, artifactType = null, configMediaType = null, configDigest = null;
        long? configSize = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (StrictJson.Next(ref reader) != JsonTokenType.StartObject)
            {
                throw SnapshotterException.Corrupt($"{source}: the manifest is not a JSON object");
            }

            while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("schemaVersion"u8))
                {
                    schemaVersion = StrictJson.Next(ref reader) == JsonTokenType.Number && reader.TryGetInt32(out int v) ? v : -1;
                }
                else if (reader.ValueTextEquals("mediaType"u8))
                {
                    mediaType = StrictJson.ReadString(ref reader, source, "mediaType");
                }
                else if (reader.ValueTextEquals("artifactType"u8))
                {
                    artifactType = StrictJson.ReadString(ref reader, source, "artifactType");
                }
                else if (reader.ValueTextEquals("config"u8))
                {
                    if (StrictJson.Next(ref reader) != JsonTokenType.StartObject)
                    {
                        throw SnapshotterException.Corrupt($"{source}: config is not an object");
                    }

                    while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("mediaType"u8))
                        {
                            configMediaType = StrictJson.ReadString(ref reader, source, "config.mediaType");
                        }
                        else if (reader.ValueTextEquals("digest"u8))
                        {
                            configDigest = StrictJson.ReadString(ref reader, source, "config.digest");
                        }
                        else if (reader.ValueTextEquals("size"u8))
                        {
                            configSize = StrictJson.Next(ref reader) == JsonTokenType.Number && reader.TryGetInt64(out long size) ? size : -1;
                        }
                        else
                        {
                            StrictJson.SkipValue(ref reader);
                        }
                    }
                }
                else
                {
                    StrictJson.SkipValue(ref reader);
                }
            }
            StrictJson.EnsureEnd(ref reader);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw SnapshotterException.Corrupt($"{source}: malformed manifest JSON: {e.Message}");
        }

        if (schemaVersion != 2)
        {
            throw SnapshotterException.Corrupt($"{source}: schemaVersion is {(schemaVersion is null ? "missing" : schemaVersion)}, expected 2");
        }

        if (mediaType is not null && mediaType != MediaTypes.ImageManifest)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{source}: manifest media type '{mediaType}' is not '{MediaTypes.ImageManifest}'");
        }

        if (artifactType is not null && artifactType != MediaTypes.SnapshotManifest)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{source}: artifactType '{artifactType}' is not a snapshot ('{MediaTypes.SnapshotManifest}')");
        }

        if (configMediaType != MediaTypes.SnapshotConfig)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{source}: config media type '{configMediaType}' is not a snapshot config ('{MediaTypes.SnapshotConfig}')");
        }

        if (!OciDigest.IsSha256(configDigest))
        {
            throw SnapshotterException.Corrupt($"{source}: config digest '{configDigest}' is not sha256: followed by 64 lowercase hex digits");
        }

        if (configSize is not { } length || length < 0 || length > SnapshotConfig.MaxConfigBytes)
        {
            throw SnapshotterException.Corrupt($"{source}: config size {(configSize is null ? "is missing" : configSize.ToString())}: expected 0..{SnapshotConfig.MaxConfigBytes} bytes");
        }

        return new BlobDescriptor(configDigest!, length);
    }


}
