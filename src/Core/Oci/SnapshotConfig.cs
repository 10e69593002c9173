using System.Text;
using System.Text.Json;
using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Hashing;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Oci;

/// <summary>
/// The config blob of the snapshot artifact: {"files":[...]} with each file's digest, readOnly, relativePath
/// and metadata (mode, uid, gid, size, mtime, typeflag), byte-compatible with the Go library's json.Marshal of
/// its metadata.Config. Files are written sorted by the UTF-8 bytes of their relative path, so one snapshot
/// always gives one digest; readers accept any order, as the Go library writes them in completion order.
/// </summary>
internal static class SnapshotConfig
{
    /// <summary>About 250,000 files: beyond this a config is an attack, not a snapshot.</summary>
    public const long MaxConfigBytes = 64L << 20;

    /// <summary>Sizes beyond a pebibyte are refused as implausible rather than trusted.</summary>
    public const long MaxFileSizeBytes = 1L << 50;

    private const long MaxTotalBytes = 1L << 60;
    private const int MaxDepth = 8;

    public static byte[] Serialize(IEnumerable<FileRecord> files)
    {
        var json = new StringBuilder("{\"files\":[");
        bool first = true;
        foreach (FileRecord file in files.OrderBy(f => f.RelativePath, Utf8Order.Instance))
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            json.Append("{\"digest\":");
            GoJson.AppendString(json, file.Digest.ToString());
            json.Append(",\"readOnly\":").Append(file.ReadOnly ? "true" : "false");
            json.Append(",\"relativePath\":");
            GoJson.AppendString(json, file.RelativePath);
            json.Append(",\"metadata\":{\"mode\":").Append(file.Mode)
                .Append(",\"uid\":").Append(file.Uid)
                .Append(",\"gid\":").Append(file.Gid)
                .Append(",\"size\":").Append(file.Size)
                .Append(",\"mtime\":\"").Append(Rfc3339.Format(file.ModificationTimeNs, file.ModificationTimeOffsetSeconds))
                .Append("\",\"typeflag\":").Append(file.TypeFlag)
                .Append("}}");
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    /// <summary>
    /// Parses and validates a config received from elsewhere, as untrusted input: every path must be relative,
    /// free of "..", and unique once normalized; digests well-formed; modes permission bits only; sizes and
    /// times in range; only regular files. <paramref name="source"/> names the blob in error messages.
    /// </summary>
    public static List<FileRecord> Parse(ReadOnlySpan<byte> json, string source)
    {
        var files = new List<FileRecord>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (StrictJson.Next(ref reader) != JsonTokenType.StartObject)
            {
                throw SnapshotterException.Corrupt($"{source}: the config is not a JSON object");
            }

            while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("files"u8))
                {
                    StrictJson.SkipValue(ref reader);
                    continue;
                }

                if (StrictJson.Next(ref reader) == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw SnapshotterException.Corrupt($"{source}: \"files\" is not an array");
                }

                while (StrictJson.Next(ref reader) != JsonTokenType.EndArray)
                {
                    files.Add(ReadFile(ref reader, files.Count, source));
                }
            }
            StrictJson.EnsureEnd(ref reader);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string escape that is not valid UTF-16 (a lone surrogate).
            throw SnapshotterException.Corrupt($"{source}: malformed JSON: {e.Message}");
        }

        CheckUniqueAndBounded(files, source);
        return files;
    }

    private static FileRecord ReadFile(ref Utf8JsonReader reader, int index, string source)
    {
        string where = $"files[{index}]";
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SnapshotterException.Corrupt($"{source}: {where} is not an object");
        }

        string? digest = null, relativePath = null, mtime = null;
        bool? readOnly = null;
        uint? mode = null, uid = null, gid = null;
        long? size = null;
        byte? typeFlag = null;
        while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("digest"u8))
            {
                digest = StrictJson.ReadString(ref reader, source, $"{where}.digest");
            }
            else if (reader.ValueTextEquals("readOnly"u8))
            {
                StrictJson.Next(ref reader);
                readOnly = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw SnapshotterException.Corrupt($"{source}: {where}.readOnly is not a boolean"),
                };
            }
            else if (reader.ValueTextEquals("relativePath"u8))
            {
                relativePath = StrictJson.ReadString(ref reader, source, $"{where}.relativePath");
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                if (StrictJson.Next(ref reader) != JsonTokenType.StartObject)
                {
                    throw SnapshotterException.Corrupt($"{source}: {where}.metadata is not an object");
                }

                while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("mode"u8))
                    {
                        mode = ReadNumber(ref reader, source, where, "mode", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
                    }
                    else if (reader.ValueTextEquals("uid"u8))
                    {
                        uid = ReadNumber(ref reader, source, where, "uid", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
                    }
                    else if (reader.ValueTextEquals("gid"u8))
                    {
                        gid = ReadNumber(ref reader, source, where, "gid", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
                    }
                    else if (reader.ValueTextEquals("size"u8))
                    {
                        size = ReadNumber(ref reader, source, where, "size", (ref Utf8JsonReader r, out long v) => r.TryGetInt64(out v));
                    }
                    else if (reader.ValueTextEquals("mtime"u8))
                    {
                        mtime = StrictJson.ReadString(ref reader, source, $"{where}.metadata.mtime");
                    }
                    else if (reader.ValueTextEquals("typeflag"u8))
                    {
                        typeFlag = ReadNumber(ref reader, source, where, "typeflag", (ref Utf8JsonReader r, out byte v) => r.TryGetByte(out v));
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

        return Validate(source, where, digest, readOnly, relativePath, mode, uid, gid, size, mtime, typeFlag);
    }

    private static FileRecord Validate(
        string source, string where, string? digestText, bool? readOnly, string? relativePath, uint? mode, uint? uid, uint? gid, long? size, string? mtime, byte? typeFlag)
    {
        string Missing(string field) => $"{source}: {where} has no {field}";
        if (relativePath is null)
        {
            throw SnapshotterException.Corrupt(Missing("relativePath"));
        }

        string path;
        try
        {
            path = RelativePath.Normalize(relativePath, "relativePath");
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"{source}: {where}: {e.Message}");
        }

        where = $"{where} '{path}'";
        if (!Digest.TryParse(digestText ?? throw SnapshotterException.Corrupt(Missing("digest")), out Digest digest))
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has a malformed digest '{digestText}': expected '{Digest.Algorithm}:' and 1 to 16 hex digits");
        }

        if ((mode ?? throw SnapshotterException.Corrupt(Missing("metadata.mode"))) > IO.FileStatus.PermissionMask)
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has mode 0{Convert.ToString(mode.Value, 8)}: only permission bits (at most 0777) are accepted");
        }

        if ((size ?? throw SnapshotterException.Corrupt(Missing("metadata.size"))) is < 0 or > MaxFileSizeBytes)
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has size {size}, outside 0..{MaxFileSizeBytes}");
        }

        if ((typeFlag ?? throw SnapshotterException.Corrupt(Missing("metadata.typeflag"))) != FileRecord.RegularFileTypeFlag)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{source}: {where} has typeflag {typeFlag}: only regular files (0) are supported");
        }

        if (!Rfc3339.TryParse(mtime ?? throw SnapshotterException.Corrupt(Missing("metadata.mtime")), out long mtimeNs, out int offsetSeconds))
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has mtime '{mtime}', not an RFC 3339 time between 1678 and 2261");
        }

        return new FileRecord(
            path,
            digest,
            readOnly ?? throw SnapshotterException.Corrupt(Missing("readOnly")),
            mode.Value,
            uid ?? throw SnapshotterException.Corrupt(Missing("metadata.uid")),
            gid ?? throw SnapshotterException.Corrupt(Missing("metadata.gid")),
            size.Value,
            mtimeNs,
            offsetSeconds,
            typeFlag.Value);
    }

    private static void CheckUniqueAndBounded(List<FileRecord> files, string source)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long total = 0;
        foreach (FileRecord file in files)
        {
            if (!seen.Add(file.RelativePath))
            {
                throw SnapshotterException.Corrupt($"{source}: '{file.RelativePath}' appears more than once");
            }

            total += file.Size;
            if (total > MaxTotalBytes)
            {
                throw SnapshotterException.Corrupt($"{source}: the files add up to more than {MaxTotalBytes} bytes");
            }
        }
    }

    private delegate bool TryGet<T>(ref Utf8JsonReader reader, out T value);

    private static T ReadNumber<T>(ref Utf8JsonReader reader, string source, string where, string field, TryGet<T> tryGet)
    {
        StrictJson.Next(ref reader);
        return reader.TokenType == JsonTokenType.Number && tryGet(ref reader, out T value)
            ? value
            : throw SnapshotterException.Corrupt($"{source}: {where}.metadata.{field} is not an integer in range");
    }
}
