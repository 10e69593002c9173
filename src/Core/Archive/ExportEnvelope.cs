using System.Text.Json.Serialization;

namespace Snapshotter.Archive;

/// <summary>
/// snapshot.json: what an export holds, first in a tar stream and last (the ready marker) in an export directory.
/// Each file entry has the shape of an entry of the Go snapshotter's config JSON (compat.md section 4), so the
/// metadata travels exactly: digest, read-only flag, path, mode, owner, size, mtime with nanoseconds and offset.
/// </summary>
internal sealed record ExportEnvelope(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("formatVersion")] int FormatVersion,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("created")] string Created,
    [property: JsonPropertyName("files")] List<EnvelopeFile> Files)
{
    public const string ExpectedMediaType = "application/vnd.cncf.dragonfly.snapshotter.export.v1+json";
    public const int CurrentFormatVersion = 1;
    public const string FileName = "snapshot.json";

    /// <summary>The directory of the file data, in a tar stream and in an export directory alike.</summary>
    public const string FilesDirectory = "files";
}

internal sealed record EnvelopeFile(
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("readOnly")] bool ReadOnly,
    [property: JsonPropertyName("relativePath")] string RelativePath,
    [property: JsonPropertyName("metadata")] EnvelopeMetadata Metadata);

internal sealed record EnvelopeMetadata(
    [property: JsonPropertyName("mode")] uint Mode,
    [property: JsonPropertyName("uid")] uint Uid,
    [property: JsonPropertyName("gid")] uint Gid,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mtime")] string Mtime,
    [property: JsonPropertyName("typeflag")] int TypeFlag);

/// <summary>Reflection-free JSON for the envelope (AOT): constructor parameters required, nulls refused.</summary>
[JsonSourceGenerationOptions(RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true, WriteIndented = true)]
[JsonSerializable(typeof(ExportEnvelope))]
internal sealed partial class ExportEnvelopeJson : JsonSerializerContext;
