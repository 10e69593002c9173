using System.Text.Json;
using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Archive;

/// <summary>snapshot.json to and from snapshot records. What is read is untrusted and checked field by field.</summary>
internal static class EnvelopeCodec
{
    /// <summary>Larger than any envelope of a real snapshot (a million files take about 300 MB), small enough to read whole.</summary>
    public const int MaxEnvelopeBytes = 512 << 20;

    public static byte[] Encode(SnapshotRecord snapshot, IEnumerable<FileRecord> files)
    {
        var envelope = new ExportEnvelope(
            ExportEnvelope.ExpectedMediaType,
            ExportEnvelope.CurrentFormatVersion,
            snapshot.Name,
            snapshot.Version,
            Rfc3339.Format(snapshot.CreatedNs, 0),
            files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).Select(f => new EnvelopeFile(
                f.Digest.ToString(),
                f.ReadOnly,
                f.RelativePath,
                new EnvelopeMetadata(f.Mode, f.Uid, f.Gid, f.Size, Rfc3339.Format(f.ModificationTimeNs, f.ModificationTimeOffsetSeconds), f.TypeFlag))).ToList());
        return JsonSerializer.SerializeToUtf8Bytes(envelope, ExportEnvelopeJson.Default.ExportEnvelope);
    }

    /// <summary>A decoded envelope: the snapshot's name, version, creation time and files.</summary>
    public sealed record Decoded(string Name, string Version, long CreatedNs, IReadOnlyList<FileRecord> Files);

    /// <summary>Parses and checks an envelope; anything wrong is CORRUPT (UNSUPPORTED for a newer format) naming <paramref name="where"/>.</summary>
    public static Decoded Decode(ReadOnlySpan<byte> json, string where)
    {
        ExportEnvelope envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(json, ExportEnvelopeJson.Default.ExportEnvelope)
                ?? throw SnapshotterException.Corrupt($"{where} is null, not an export envelope");
        }
        catch (JsonException e)
        {
            throw SnapshotterException.Corrupt($"{where} is not a valid export envelope: {e.Message}");
        }

        if (envelope.MediaType != ExportEnvelope.ExpectedMediaType)
        {
            throw SnapshotterException.Corrupt($"{where} has mediaType '{envelope.MediaType}', not '{ExportEnvelope.ExpectedMediaType}'");
        }

        if (envelope.FormatVersion != ExportEnvelope.CurrentFormatVersion)
        {
            throw envelope.FormatVersion > ExportEnvelope.CurrentFormatVersion
                ? new SnapshotterException(ErrorCode.Unsupported, $"{where} has format version {envelope.FormatVersion}; this library reads version {ExportEnvelope.CurrentFormatVersion}")
                : SnapshotterException.Corrupt($"{where} has format version {envelope.FormatVersion}");
        }

        Checked(() => NameRules.ValidateName(envelope.Name, "name"), where);
        Checked(() => NameRules.ValidateVersion(envelope.Version, "version"), where);
        if (!Rfc3339.TryParse(envelope.Created, out long createdNs, out _))
        {
            throw SnapshotterException.Corrupt($"{where}: created '{envelope.Created}' is not an RFC 3339 time");
        }

        var files = new List<FileRecord>(envelope.Files.Count);
        foreach (EnvelopeFile file in envelope.Files)
        {
            files.Add(ToRecord(file, where));
        }

        CheckPaths(files.Select(f => f.RelativePath), where);
        return new Decoded(envelope.Name, envelope.Version, createdNs, files);
    }

    /// <summary>
    /// Paths that a snapshot can hold together: no two alike, and none that is also a directory of another
    /// ("a" and "a/b"), which no restore could write.
    /// </summary>
    public static void CheckPaths(IEnumerable<string> paths, string where)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var all = paths.ToList();
        foreach (string path in all)
        {
            if (!seen.Add(path))
            {
                throw SnapshotterException.Corrupt($"{where} lists '{path}' twice");
            }
        }

        foreach (string path in all)
        {
            for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                if (seen.Contains(path[..slash]))
                {
                    throw SnapshotterException.Corrupt($"{where} lists '{path[..slash]}' as a file and as the directory of '{path}'");
                }
            }
        }
    }

    private static FileRecord ToRecord(EnvelopeFile file, string where)
    {
        string path = file.RelativePath;
        if (Checked(() => RelativePath.Normalize(path), where) != path)
        {
            throw SnapshotterException.Corrupt($"{where}: '{path}' is not a canonical relative path");
        }

        EnvelopeMetadata meta = file.Metadata;
        if (!Digest.TryParse(file.Digest, out Digest digest))
        {
            throw SnapshotterException.Corrupt($"{where}: '{path}' has a malformed digest '{file.Digest}'");
        }

        if (meta.Mode > 0x1FF || meta.Size < 0 || meta.TypeFlag != FileRecord.RegularFileTypeFlag)
        {
            throw SnapshotterException.Corrupt($"{where}: '{path}' has mode {meta.Mode}, size {meta.Size} or typeflag {meta.TypeFlag} out of range (permission bits, a size, a regular file)");
        }

        if (!Rfc3339.TryParse(meta.Mtime, out long mtimeNs, out int offsetSeconds))
        {
            throw SnapshotterException.Corrupt($"{where}: '{path}' has mtime '{meta.Mtime}', not an RFC 3339 time");
        }

        return new FileRecord(path, digest, file.ReadOnly, meta.Mode, meta.Uid, meta.Gid, meta.Size, mtimeNs, offsetSeconds, meta.TypeFlag);
    }

    /// <summary>Runs a validation meant for arguments on data from an archive, reporting it as CORRUPT.</summary>
    private static T Checked<T>(Func<T> validate, string where)
    {
        try
        {
            return validate();
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"{where}: {e.Message}");
        }
    }

    private static void Checked(Action validate, string where) => Checked(() =>
    {
        validate();
        return true;
    }, where);
}
