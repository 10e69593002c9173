using System.Text;
using System.Text.Json;
using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Oci;

/// <summary>
/// The config blob of the snapshot artifact: {"files":[...],"entries":[...]}. "files" holds the entries with content
/// (regular files, and hardlinks to them) with each one's digest, readOnly, relativePath and metadata (mode, uid, gid,
/// size, mtime, typeflag), byte-compatible with the Go library's json.Marshal of its metadata.Config, which restores
/// them all as files (it ignores typeflag, so a hardlink comes back to it as a copy). "entries", which the Go library
/// does not know and so skips, holds directories, symlinks, devices and FIFOs. What Go's config lacks (link target,
/// device numbers, extended attributes, the bytes of names that are not UTF-8) are new fields Go's decoder skips, and
/// are written only when an entry has them, so a snapshot of plain files is the same bytes as ever. Each array is
/// sorted by the bytes of its paths, so one snapshot always gives one digest; readers accept any order, as the Go
/// library writes its files in completion order. docs/format.md describes it all.
/// </summary>
internal static class SnapshotConfig
{
    /// <summary>About 250,000 files: beyond this a config is an attack, not a snapshot.</summary>
    public const long MaxConfigBytes = 64L << 20;

    /// <summary>Sizes beyond a pebibyte are refused as implausible rather than trusted.</summary>
    public const long MaxFileSizeBytes = 1L << 50;

    /// <summary>Linux's dev_t: 12 bits of major and 20 of minor device number.</summary>
    public const uint MaxDeviceMajor = 0xFFF;

    /// <summary>The largest minor device number Linux encodes.</summary>
    public const uint MaxDeviceMinor = 0xFFFFF;

    private const long MaxTotalBytes = 1L << 60;
    private const int MaxDepth = 8;

    public static byte[] Serialize(IEnumerable<FileRecord> files)
    {
        List<FileRecord> sorted = files.OrderBy(f => f.RelativePath, PathOrder.Instance).ToList();
        var json = new StringBuilder("{\"files\":[");
        AppendEntries(json, sorted.Where(f => f.HasContent));
        json.Append(']');
        if (sorted.Any(f => !f.HasContent))
        {
            json.Append(",\"entries\":[");
            AppendEntries(json, sorted.Where(f => !f.HasContent));
            json.Append(']');
        }

        return Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    private static void AppendEntries(StringBuilder json, IEnumerable<FileRecord> entries)
    {
        bool first = true;
        foreach (FileRecord file in entries)
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            json.Append('{');
            if (file.Digest is { } digest)
            {
                json.Append("\"digest\":");
                GoJson.AppendString(json, digest.ToString());
                json.Append(",\"readOnly\":").Append(file.ReadOnly ? "true" : "false").Append(',');
            }

            AppendName(json, "relativePath", "rawPath", file.RelativePath);
            json.Append(",\"metadata\":{\"mode\":").Append(file.Mode)
                .Append(",\"uid\":").Append(file.Uid)
                .Append(",\"gid\":").Append(file.Gid)
                .Append(",\"size\":").Append(file.Size)
                .Append(",\"mtime\":\"").Append(Rfc3339.Format(file.ModificationTimeNs, file.ModificationTimeOffsetSeconds))
                .Append("\",\"typeflag\":").Append((int)file.Type);
            if (file.LinkTarget is { } target)
            {
                json.Append(',');
                AppendName(json, "linkname", "rawLinkname", target);
            }

            if (file.Type is EntryType.CharacterDevice or EntryType.BlockDevice)
            {
                json.Append(",\"devmajor\":").Append(file.DeviceMajor).Append(",\"devminor\":").Append(file.DeviceMinor);
            }

            if (file.Xattrs is { } xattrs)
            {
                json.Append(",\"xattrs\":{");
                for (int i = 0; i < xattrs.Count; i++)
                {
                    (string name, byte[] value) = xattrs.Entries[i];
                    GoJson.AppendString(json.Append(i == 0 ? "" : ","), name);
                    json.Append(":\"").Append(Convert.ToBase64String(value)).Append('"');
                }

                json.Append('}');
            }

            json.Append("}}");
        }
    }

    /// <summary>A name as valid UTF-8 under <paramref name="property"/> (each byte that is not UTF-8 as U+FFFD, as Go writes
    /// such a name); one that is not UTF-8 also as its bytes, base64, under <paramref name="rawProperty"/>.</summary>
    private static void AppendName(StringBuilder json, string property, string rawProperty, string name)
    {
        json.Append('"').Append(property).Append("\":");
        GoJson.AppendString(json, name);
        if (!PathEncoding.IsUtf8(name))
        {
            json.Append(",\"").Append(rawProperty).Append("\":\"").Append(Convert.ToBase64String(PathEncoding.GetBytes(name))).Append('"');
        }
    }

    /// <summary>
    /// Parses and validates a config received from elsewhere, as untrusted input: every path must be relative,
    /// free of "..", and unique once normalized; digests well-formed; modes at most 07777; sizes and times in range;
    /// typeflags known, each in its array; hardlinks naming a regular file of the config with the same content and
    /// attributes; no entry beneath a symlink or another entry that is not a directory; link targets, device numbers and
    /// extended attributes within the kernel's limits. <paramref name="source"/> names the blob in error messages.
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

            bool filesSeen = false, entriesSeen = false;
            while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
            {
                bool isFiles = reader.ValueTextEquals("files"u8);
                if (!isFiles && !reader.ValueTextEquals("entries"u8))
                {
                    StrictJson.SkipValue(ref reader);
                    continue;
                }

                string array = isFiles ? "files" : "entries";
                if (isFiles ? filesSeen : entriesSeen)
                {
                    throw SnapshotterException.Corrupt($"{source}: \"{array}\" appears twice");
                }

                (filesSeen, entriesSeen) = isFiles ? (true, entriesSeen) : (filesSeen, true);
                if (StrictJson.Next(ref reader) == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw SnapshotterException.Corrupt($"{source}: \"{array}\" is not an array");
                }

                for (int index = 0; StrictJson.Next(ref reader) != JsonTokenType.EndArray; index++)
                {
                    files.Add(ReadEntry(ref reader, $"{array}[{index}]", isFiles, source));
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
        CheckTree(files, source);
        return files;
    }

    /// <summary>The fields of one entry as read, before they are checked.</summary>
    private sealed class RawEntry
    {
        public string? Digest, RelativePath, RawPath, Mtime, Linkname, RawLinkname;
        public bool? ReadOnly;
        public uint? Mode, Uid, Gid, DevMajor, DevMinor;
        public long? Size;
        public int? TypeFlag;
        public List<KeyValuePair<string, byte[]>>? Xattrs;
    }

    private static FileRecord ReadEntry(ref Utf8JsonReader reader, string where, bool inFiles, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SnapshotterException.Corrupt($"{source}: {where} is not an object");
        }

        var raw = new RawEntry();
        while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("digest"u8))
            {
                raw.Digest = StrictJson.ReadString(ref reader, source, $"{where}.digest");
            }
            else if (reader.ValueTextEquals("readOnly"u8))
            {
                StrictJson.Next(ref reader);
                raw.ReadOnly = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw SnapshotterException.Corrupt($"{source}: {where}.readOnly is not a boolean"),
                };
            }
            else if (reader.ValueTextEquals("relativePath"u8))
            {
                raw.RelativePath = StrictJson.ReadString(ref reader, source, $"{where}.relativePath");
            }
            else if (reader.ValueTextEquals("rawPath"u8))
            {
                raw.RawPath = StrictJson.ReadString(ref reader, source, $"{where}.rawPath");
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                if (StrictJson.Next(ref reader) != JsonTokenType.StartObject)
                {
                    throw SnapshotterException.Corrupt($"{source}: {where}.metadata is not an object");
                }

                ReadMetadata(ref reader, raw, where, source);
            }
            else
            {
                StrictJson.SkipValue(ref reader);
            }
        }

        return Validate(raw, where, inFiles, source);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, RawEntry raw, string where, string source)
    {
        while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("mode"u8))
            {
                raw.Mode = ReadNumber(ref reader, source, where, "mode", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
            }
            else if (reader.ValueTextEquals("uid"u8))
            {
                raw.Uid = ReadNumber(ref reader, source, where, "uid", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
            }
            else if (reader.ValueTextEquals("gid"u8))
            {
                raw.Gid = ReadNumber(ref reader, source, where, "gid", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                raw.Size = ReadNumber(ref reader, source, where, "size", (ref Utf8JsonReader r, out long v) => r.TryGetInt64(out v));
            }
            else if (reader.ValueTextEquals("mtime"u8))
            {
                raw.Mtime = StrictJson.ReadString(ref reader, source, $"{where}.metadata.mtime");
            }
            else if (reader.ValueTextEquals("typeflag"u8))
            {
                raw.TypeFlag = ReadNumber(ref reader, source, where, "typeflag", (ref Utf8JsonReader r, out byte v) => r.TryGetByte(out v));
            }
            else if (reader.ValueTextEquals("linkname"u8))
            {
                raw.Linkname = StrictJson.ReadString(ref reader, source, $"{where}.metadata.linkname");
            }
            else if (reader.ValueTextEquals("rawLinkname"u8))
            {
                raw.RawLinkname = StrictJson.ReadString(ref reader, source, $"{where}.metadata.rawLinkname");
            }
            else if (reader.ValueTextEquals("devmajor"u8))
            {
                raw.DevMajor = ReadNumber(ref reader, source, where, "devmajor", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
            }
            else if (reader.ValueTextEquals("devminor"u8))
            {
                raw.DevMinor = ReadNumber(ref reader, source, where, "devminor", (ref Utf8JsonReader r, out uint v) => r.TryGetUInt32(out v));
            }
            else if (reader.ValueTextEquals("xattrs"u8))
            {
                raw.Xattrs = ReadXattrs(ref reader, where, source);
            }
            else
            {
                StrictJson.SkipValue(ref reader);
            }
        }
    }

    private static List<KeyValuePair<string, byte[]>> ReadXattrs(ref Utf8JsonReader reader, string where, string source)
    {
        if (StrictJson.Next(ref reader) != JsonTokenType.StartObject)
        {
            throw SnapshotterException.Corrupt($"{source}: {where}.metadata.xattrs is not an object");
        }

        var xattrs = new List<KeyValuePair<string, byte[]>>();
        while (StrictJson.Next(ref reader) == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            string field = $"{where}.metadata.xattrs[\"{name}\"]";
            if (StrictJson.Next(ref reader) != JsonTokenType.String || !reader.TryGetBytesFromBase64(out byte[]? value))
            {
                throw SnapshotterException.Corrupt($"{source}: {field} is not a base64 string");
            }

            xattrs.Add(new(name, value));
        }

        return xattrs;
    }

    private static FileRecord Validate(RawEntry raw, string where, bool inFiles, string source)
    {
        string Missing(string field) => $"{source}: {where} has no {field}";
        string path = ValidName(raw.RelativePath ?? throw SnapshotterException.Corrupt(Missing("relativePath")), raw.RawPath, source, $"{where}.relativePath", "rawPath");
        try
        {
            path = RelativePath.Normalize(path, "relativePath");
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"{source}: {where}: {e.Message}");
        }

        where = $"{where} '{PathEncoding.Printable(path)}'";
        if (inFiles && raw.Digest is null)
        {
            throw SnapshotterException.Corrupt(Missing("digest"));
        }

        if ((raw.TypeFlag ?? throw SnapshotterException.Corrupt(Missing("metadata.typeflag"))) > (int)EntryType.Fifo)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{source}: {where} has typeflag {raw.TypeFlag}: only 0 to 6 (regular file, hardlink, symlink, character device, block device, directory, FIFO) are supported");
        }

        var type = (EntryType)raw.TypeFlag.Value;
        bool hasContent = type is EntryType.Regular or EntryType.Hardlink;
        if (hasContent != inFiles)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, inFiles
                ? $"{source}: {where} has typeflag {raw.TypeFlag}: \"files\" holds regular files (0) and hardlinks (1) only"
                : $"{source}: {where} has typeflag {raw.TypeFlag}: \"entries\" holds entries without content (2 to 6) only");
        }

        Digest? digest = null;
        if (hasContent)
        {
            if (!Digest.TryParse(raw.Digest, out Digest parsed))
            {
                throw SnapshotterException.Corrupt($"{source}: {where} has a malformed digest '{raw.Digest}': expected '{Digest.Algorithm}:' and 1 to 16 hex digits");
            }

            digest = parsed;
            _ = raw.ReadOnly ?? throw SnapshotterException.Corrupt(Missing("readOnly"));
        }
        else if (raw.Digest is not null || raw.ReadOnly is not null)
        {
            throw SnapshotterException.Corrupt($"{source}: {where} is a {type} and has {(raw.Digest is not null ? "a digest" : "readOnly")}: only regular files and hardlinks have content");
        }

        if ((raw.Mode ?? throw SnapshotterException.Corrupt(Missing("metadata.mode"))) > FileRecord.ModeMask)
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has mode 0{Convert.ToString(raw.Mode.Value, 8)}: only permission bits, setuid, setgid and sticky (at most 07777) are accepted");
        }

        long size = raw.Size ?? throw SnapshotterException.Corrupt(Missing("metadata.size"));
        if (size is < 0 or > MaxFileSizeBytes || (!hasContent && size != 0))
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has size {size}, outside {(hasContent ? $"0..{MaxFileSizeBytes}" : "0 (it has no content)")}");
        }

        if (!Rfc3339.TryParse(raw.Mtime ?? throw SnapshotterException.Corrupt(Missing("metadata.mtime")), out long mtimeNs, out int offsetSeconds))
        {
            throw SnapshotterException.Corrupt($"{source}: {where} has mtime '{raw.Mtime}', not an RFC 3339 time between 1678 and 2261");
        }

        return new FileRecord(
            path,
            digest,
            raw.ReadOnly ?? false,
            raw.Mode.Value,
            raw.Uid ?? throw SnapshotterException.Corrupt(Missing("metadata.uid")),
            raw.Gid ?? throw SnapshotterException.Corrupt(Missing("metadata.gid")),
            size,
            mtimeNs,
            offsetSeconds,
            type,
            ValidLinkTarget(raw, type, where, source),
            ValidDevice(raw.DevMajor, type, MaxDeviceMajor, where, "devmajor", source),
            ValidDevice(raw.DevMinor, type, MaxDeviceMinor, where, "devminor", source),
            ValidXattrs(raw.Xattrs, where, source));
    }

    /// <summary>A name given as text and, when not UTF-8, as base64 bytes too: the bytes win, and the text must be what
    /// they read as (each byte that is not UTF-8 a U+FFFD), so that no reader sees another name than this one.</summary>
    private static string ValidName(string text, string? rawBase64, string source, string field, string rawField)
    {
        if (rawBase64 is null)
        {
            return text;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(rawBase64);
        }
        catch (FormatException)
        {
            throw SnapshotterException.Corrupt($"{source}: {field}: {rawField} is not base64");
        }

        string name = PathEncoding.FromBytes(bytes);
        if (PathEncoding.IsUtf8(name) || PathEncoding.Lossy(name) != text)
        {
            throw SnapshotterException.Corrupt(PathEncoding.IsUtf8(name)
                ? $"{source}: {field}: {rawField} is valid UTF-8, which the text alone carries"
                : $"{source}: {field} '{text}' is not what {rawField} '{PathEncoding.Printable(name)}' reads as");
        }

        return name;
    }

    private static string? ValidLinkTarget(RawEntry raw, EntryType type, string where, string source)
    {
        string field = $"{where}.metadata.linkname";
        if (type is not (EntryType.Symlink or EntryType.Hardlink))
        {
            return raw.Linkname is null && raw.RawLinkname is null
                ? null
                : throw SnapshotterException.Corrupt($"{source}: {field}: only symlinks and hardlinks have a link target");
        }

        string target = ValidName(raw.Linkname ?? throw SnapshotterException.Corrupt($"{source}: {where} has no metadata.linkname"), raw.RawLinkname, source, field, "rawLinkname");
        if (target.Length == 0 || target.Contains('\0') || PathEncoding.GetByteCount(target) > RelativePath.MaxPathBytes)
        {
            throw SnapshotterException.Corrupt($"{source}: {field} is empty, holds a NUL or is longer than {RelativePath.MaxPathBytes} bytes");
        }

        if (type == EntryType.Symlink)
        {
            // A symlink's target is stored as it was and never resolved by this library: anything the kernel allows.
            return target;
        }

        try
        {
            string canonical = RelativePath.Normalize(target, "linkname");
            return canonical == target ? target : throw SnapshotterException.InvalidArgument($"linkname '{target}' is not in canonical form ('{canonical}')");
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"{source}: {where}: a hardlink names a path of the snapshot: {e.Message}");
        }
    }

    private static uint ValidDevice(uint? number, EntryType type, uint max, string where, string field, string source)
    {
        if (type is not (EntryType.CharacterDevice or EntryType.BlockDevice))
        {
            return number is null ? 0u : throw SnapshotterException.Corrupt($"{source}: {where}.metadata.{field}: only device nodes have device numbers");
        }

        return (number ?? throw SnapshotterException.Corrupt($"{source}: {where} has no metadata.{field}")) <= max
            ? number.Value
            : throw SnapshotterException.Corrupt($"{source}: {where}.metadata.{field} is {number}, above Linux's {max}");
    }

    private static ExtendedAttributes? ValidXattrs(List<KeyValuePair<string, byte[]>>? xattrs, string where, string source)
    {
        if (xattrs is null)
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        long nameListBytes = 0;
        foreach ((string name, byte[] value) in xattrs)
        {
            string field = $"{where}.metadata.xattrs[\"{name}\"]";
            int nameBytes = Encoding.UTF8.GetByteCount(name);
            if (nameBytes is 0 or > ExtendedAttributes.MaxNameBytes || name.Contains('\0') || !name.Contains('.'))
            {
                throw SnapshotterException.Corrupt($"{source}: {field}: a name is 'namespace.name', 1 to {ExtendedAttributes.MaxNameBytes} bytes without NUL");
            }

            if (!names.Add(name))
            {
                throw SnapshotterException.Corrupt($"{source}: {field} appears twice");
            }

            if (value.Length > ExtendedAttributes.MaxValueBytes)
            {
                throw SnapshotterException.Corrupt($"{source}: {field} holds {value.Length} bytes, above Linux's {ExtendedAttributes.MaxValueBytes}");
            }

            nameListBytes += nameBytes + 1;
        }

        return nameListBytes <= ExtendedAttributes.MaxNameListBytes
            ? new ExtendedAttributes(xattrs)
            : throw SnapshotterException.Corrupt($"{source}: {where}.metadata.xattrs: the names take more than Linux's {ExtendedAttributes.MaxNameListBytes} bytes");
    }

    /// <summary>
    /// What makes the entries one tree: nothing lies beneath an entry that is not a directory (beneath a symlink above
    /// all, where writing it would write through the link), and a hardlink names a regular file of the config sharing its
    /// content and attributes (what a restore gives them both, being one inode).
    /// </summary>
    public static void CheckTree(List<FileRecord> files, string source)
    {
        if (TreeShape.FirstBeneathNonDirectory(files) is { } misplaced)
        {
            throw SnapshotterException.Corrupt(
                $"{source}: '{PathEncoding.Printable(misplaced.Entry.RelativePath)}' lies beneath '{PathEncoding.Printable(misplaced.Parent.RelativePath)}', which is a {misplaced.Parent.Type}, not a directory");
        }

        // Only the entries hardlinks name: a map of every entry took a few MB of a restore of 100,000 files.
        HashSet<string> linked = TreeShape.HardlinkTargets(files);
        var byPath = files.Where(f => linked.Contains(f.RelativePath)).ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        foreach (FileRecord file in files)
        {
            if (file.Type != EntryType.Hardlink)
            {
                continue;
            }

            string what = $"{source}: hardlink '{PathEncoding.Printable(file.RelativePath)}' names '{PathEncoding.Printable(file.LinkTarget!)}'";
            if (!byPath.TryGetValue(file.LinkTarget!, out FileRecord? target) || target.Type != EntryType.Regular)
            {
                throw SnapshotterException.Corrupt($"{what}, {(target is null ? "which is not in the snapshot" : $"a {target.Type}")}: a hardlink names a regular file of the snapshot");
            }

            if (file with { RelativePath = target.RelativePath, Type = EntryType.Regular, LinkTarget = null, ModificationTimeOffsetSeconds = target.ModificationTimeOffsetSeconds } != target)
            {
                throw SnapshotterException.Corrupt($"{what}, whose content or attributes differ: one inode has one of each");
            }
        }
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
