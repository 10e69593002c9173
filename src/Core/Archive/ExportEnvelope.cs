using System.Text.Json;
using System.Text.Json.Serialization;

namespace Snapshotter.Archive;

/// <summary>
/// snapshot.json: what an export holds, first in a tar stream and last (the ready marker) in an export directory.
/// Besides the format's media type and version, the snapshot's name, version and creation time, it embeds the
/// snapshot's config byte for byte as its OCI artifact carries it (the Go snapshotter's {"files":[...]}), so the
/// files' metadata travels exactly: digest, read-only flag, path, mode, owner, size, mtime with nanoseconds
/// and offset.
/// </summary>
internal sealed record ExportEnvelope(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("formatVersion")] int FormatVersion,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("created")] string Created,
    [property: JsonPropertyName("config")] JsonElement Config)
{
    public const string ExpectedMediaType = "application/vnd.cncf.dragonfly.snapshotter.export.v1+json";
    public const int CurrentFormatVersion = 1;
    public const string FileName = "snapshot.json";

    /// <summary>The directory of the file data, in a tar stream and in an export directory alike.</summary>
    public const string FilesDirectory = "files";
}

/// <summary>Reflection-free JSON for reading the envelope (AOT): constructor parameters required, nulls refused.</summary>
[JsonSourceGenerationOptions(RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(ExportEnvelope))]
internal sealed partial class ExportEnvelopeJson : JsonSerializerContext;
