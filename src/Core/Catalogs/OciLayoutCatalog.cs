using System.Text.Json;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Oci;

namespace Snapshotter.Catalogs;

/// <summary>
/// Snapshot metadata in an OCI image layout directory (oci-layout, index.json, blobs/sha256/&lt;hex&gt;): the
/// embedded alternative to a registry. name:version is the manifest whose org.opencontainers.image.ref.name
/// is "&lt;namespace&gt;/&lt;name&gt;:&lt;version&gt;", so `skopeo copy oci:DIR:ns/app:v1 docker://host/ns/app:v1` moves it
/// into a registry unchanged. Blobs and index.json are written to temporary files, made durable and renamed;
/// updates of index.json are serialized by a flock on the directory, across processes. Entries other tools
/// put in the index are kept as they are.
/// </summary>
internal sealed class OciLayoutCatalog : IRemoteCatalog
{
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    public const string LayoutFileName = "oci-layout";
    public const string IndexFileName = "index.json";
    private const string TempPrefix = ".snapshotter-";
    private const long MaxIndexBytes = 64L << 20;
    private const uint FileMode = 0x1A4; // 0644
    private static readonly byte[] LayoutFile = "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray();

    private readonly string _directory;
    private readonly string? _namespace;

    /// <param name="directory">An absolute path; created on the first push.</param>
    public OciLayoutCatalog(string directory, string? repositoryNamespace)
    {
        _directory = directory;
        _namespace = repositoryNamespace;
        BlobsDirectory = Path.Join(directory, "blobs", "sha256");
    }

    public string Location => "oci:" + _directory;

    public string BlobsDirectory { get; }

    /// <summary>The ref name of name:version in the index, as skopeo and other OCI tools address it.</summary>
    public string Reference(string name, string version) => $"{(_namespace is null ? name : $"{_namespace}/{name}")}:{version}";

    public RemoteSnapshot? Pull(string name, string version, CancellationToken cancellation)
    {
        string reference = Reference(name, version);
        string source = $"{reference} in {Location}";
        cancellation.ThrowIfCancellationRequested();
        using JsonDocument? index = ReadIndex();
        if (index is null || FindManifest(index, reference, source) is not { } manifestDescriptor)
        {
            return null;
        }

        byte[] manifest = ReadBlob(manifestDescriptor, $"manifest of {source}");
        BlobDescriptor config = SnapshotManifest.Parse(manifest, source);
        cancellation.ThrowIfCancellationRequested();
        byte[] configBytes = ReadBlob(config, $"config {config.Digest} of {source}");
        return RemoteSnapshot.FromConfig(manifestDescriptor.Digest, config, configBytes, source);
    }

    public void Push(string name, string version, SnapshotArtifact artifact, CancellationToken cancellation)
    {
        string reference = Reference(name, version);
        string source = $"{reference} in {Location}";
        UnixPath.CreateDirectories(BlobsDirectory);
        using var layoutLock = DirectoryLock.Acquire(_directory);
        cancellation.ThrowIfCancellationRequested();
        if (UnixPath.TryStat(Path.Join(_directory, LayoutFileName), followSymlinks: true) is null)
        {
            WriteFile(_directory, LayoutFileName, LayoutFile, replace: false);
        }

        using JsonDocument? index = ReadIndex();
        if (index is not null && FindManifest(index, reference, source) is { } existing)
        {
            if (existing.Digest == artifact.ManifestDescriptor.Digest)
            {
                return;
            }

            throw SnapshotterException.AlreadyExists($"{source} already holds another manifest ({existing.Digest})");
        }

        WriteFile(BlobsDirectory, OciDigest.Hex(artifact.ConfigDescriptor.Digest), artifact.Config, replace: false);
        WriteFile(BlobsDirectory, OciDigest.Hex(artifact.ManifestDescriptor.Digest), artifact.Manifest, replace: false);
        cancellation.ThrowIfCancellationRequested();
        WriteFile(_directory, IndexFileName, IndexWith(index, artifact.ManifestDescriptor, reference), replace: true);
    }

    public IReadOnlyList<string> ListVersions(string name, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        string prefix = Reference(name, "");
        using JsonDocument? index = ReadIndex();
        return index is null
            ? []
            : Manifests(index, $"{IndexFileName} of {Location}")
                .Select(RefName)
                .Where(r => r is not null && r.StartsWith(prefix, StringComparison.Ordinal) && r.Length > prefix.Length)
                .Select(r => r![prefix.Length..])
                .ToList();
    }

    public string? Delete(string name, string version, CancellationToken cancellation)
    {
        string reference = Reference(name, version);
        string source = $"{reference} in {Location}";
        string repository = Reference(name, "");
        using var layoutLock = DirectoryLock.Acquire(_directory);
        cancellation.ThrowIfCancellationRequested();
        using JsonDocument? index = ReadIndex();
        if (index is null || FindManifest(index, reference, source) is not { } manifest)
        {
            return null;
        }

        WriteFile(_directory, IndexFileName, IndexWithout(index, m =>
            StringProperty(m, "digest") == manifest.Digest && RefName(m) is { } other && other.StartsWith(repository, StringComparison.Ordinal)), replace: true);
        return manifest.Digest;
    }

    public void Dispose()
    {
        // Nothing is held between calls.
    }

    /// <summary>The index's manifest descriptors; an index without a "manifests" array is CORRUPT.</summary>
    private static JsonElement.ArrayEnumerator Manifests(JsonDocument index, string source) =>
        index.RootElement.ValueKind == JsonValueKind.Object
        && index.RootElement.TryGetProperty("manifests", out JsonElement manifests)
        && manifests.ValueKind == JsonValueKind.Array
            ? manifests.EnumerateArray()
            : throw SnapshotterException.Corrupt($"{source}: {IndexFileName} has no \"manifests\" array");

    /// <summary>The manifest descriptor named <paramref name="reference"/>, checked; null when there is none.</summary>
    private static BlobDescriptor? FindManifest(JsonDocument index, string reference, string source)
    {
        JsonElement[] matches = Manifests(index, source).Where(m => RefName(m) == reference).ToArray();
        if (matches.Length == 0)
        {
            return null;
        }

        if (matches.Length > 1)
        {
            throw SnapshotterException.Corrupt($"{source}: {IndexFileName} names {matches.Length} manifests '{reference}'");
        }

        JsonElement descriptor = matches[0];
        string? mediaType = StringProperty(descriptor, "mediaType");
        if (mediaType != MediaTypes.ImageManifest)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{source}: the entry is a '{mediaType}', not an OCI image manifest");
        }

        string? digest = StringProperty(descriptor, "digest");
        if (!OciDigest.IsSha256(digest))
        {
            throw SnapshotterException.Corrupt($"{source}: manifest digest '{digest}' is not sha256: followed by 64 lowercase hex digits");
        }

        if (!descriptor.TryGetProperty("size", out JsonElement size) || size.ValueKind != JsonValueKind.Number
            || !size.TryGetInt64(out long length) || length < 0 || length > SnapshotManifest.MaxManifestBytes)
        {
            throw SnapshotterException.Corrupt($"{source}: the manifest size is missing or outside 0..{SnapshotManifest.MaxManifestBytes}");
        }

        return new BlobDescriptor(digest, length);
    }

    private static string? RefName(JsonElement descriptor) =>
        descriptor.ValueKind == JsonValueKind.Object && descriptor.TryGetProperty("annotations", out JsonElement annotations) && annotations.ValueKind == JsonValueKind.Object
            ? StringProperty(annotations, RefNameAnnotation)
            : null;

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>index.json parsed, or null when the layout has none (yet).</summary>
    private JsonDocument? ReadIndex()
    {
        string path = Path.Join(_directory, IndexFileName);
        byte[]? bytes = ReadFile(path, MaxIndexBytes, $"{IndexFileName} of {Location}");
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw SnapshotterException.Corrupt($"'{path}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>index.json without the manifest descriptors <paramref name="removed"/> selects; everything else kept.</summary>
    private static byte[] IndexWithout(JsonDocument index, Func<JsonElement, bool> removed)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in index.RootElement.EnumerateObject())
            {
                if (property.Name != "manifests")
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteStartArray("manifests");
            foreach (JsonElement existing in index.RootElement.GetProperty("manifests").EnumerateArray().Where(m => !removed(m)))
            {
                existing.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>index.json with one more manifest; whatever else it holds is kept.</summary>
    private static byte[] IndexWith(JsonDocument? index, BlobDescriptor manifest, string reference)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", 2);
            writer.WriteString("mediaType", MediaTypes.ImageIndex);
            if (index is not null)
            {
                foreach (JsonProperty property in index.RootElement.EnumerateObject())
                {
                    if (property.Name is not ("schemaVersion" or "mediaType" or "manifests"))
                    {
                        property.WriteTo(writer);
                    }
                }
            }

            writer.WriteStartArray("manifests");
            if (index is not null)
            {
                foreach (JsonElement existing in index.RootElement.GetProperty("manifests").EnumerateArray())
                {
                    existing.WriteTo(writer);
                }
            }

            writer.WriteStartObject();
            writer.WriteString("mediaType", MediaTypes.ImageManifest);
            writer.WriteString("digest", manifest.Digest);
            writer.WriteNumber("size", manifest.Size);
            writer.WriteStartObject("annotations");
            writer.WriteString(RefNameAnnotation, reference);
            writer.WriteEndObject();
            writer.WriteString("artifactType", MediaTypes.SnapshotManifest);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A blob the layout must hold, checked against its descriptor; NOT_FOUND when it is missing.</summary>
    private byte[] ReadBlob(BlobDescriptor blob, string what)
    {
        string path = Path.Join(BlobsDirectory, OciDigest.Hex(blob.Digest));
        byte[] bytes = ReadFile(path, blob.Size, what)
            ?? throw SnapshotterException.NotFound($"{what}: blob {blob.Digest} is missing from {Location}");
        OciDigest.Verify(bytes, blob, what);
        return bytes;
    }

    /// <summary>A whole file, or null when it does not exist; one larger than <paramref name="limit"/> is CORRUPT.</summary>
    private static byte[]? ReadFile(string path, long limit, string what)
    {
        using UnixFile? file = UnixFile.TryOpenRead(path);
        if (file is null)
        {
            return null;
        }

        long size = file.Stat().Size;
        if (size > limit)
        {
            throw SnapshotterException.Corrupt($"{what}: '{path}' holds {size} bytes, more than the {limit} expected");
        }

        byte[] bytes = new byte[size];
        int read = file.Read(0, bytes);
        return read == size ? bytes : throw SnapshotterException.Corrupt($"{what}: '{path}' changed while it was read");
    }

    /// <summary>Writes a file durably under a temporary name and renames it into place. Without
    /// <paramref name="replace"/> an existing file is kept (blobs are named by their content).</summary>
    private static void WriteFile(string directory, string name, byte[] bytes, bool replace)
    {
        string target = Path.Join(directory, name);
        if (!replace && UnixPath.TryStat(target, followSymlinks: false) is not null)
        {
            return;
        }

        UnixFile.WriteDurably(target, TempPrefix, bytes, FileMode, replace);
    }
}
