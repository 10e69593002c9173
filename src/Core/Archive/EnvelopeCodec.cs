using System.Buffers;
using System.Text;
using System.Text.Json;
using Snapshotter.Errors;
using Snapshotter.Formats;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Validation;

namespace Snapshotter.Archive;

/// <summary>snapshot.json to and from snapshot records. What is read is untrusted and checked field by field.</summary>
internal static class EnvelopeCodec
{
    /// <summary>The largest config a snapshot may have, and room for the envelope's own fields.</summary>
    public const long MaxEnvelopeBytes = SnapshotConfig.MaxConfigBytes + (64 << 10);

    public static byte[] Encode(SnapshotRecord snapshot, IEnumerable<FileRecord> files)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("mediaType", ExportEnvelope.ExpectedMediaType);
            writer.WriteNumber("formatVersion", ExportEnvelope.CurrentFormatVersion);
            writer.WriteString("name", snapshot.Name);
            writer.WriteString("version", snapshot.Version);
            writer.WriteString("created", Rfc3339.Format(snapshot.CreatedNs, 0));
            writer.WritePropertyName("config");
            writer.WriteRawValue(SnapshotConfig.Serialize(files), skipInputValidation: true);
            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
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

        List<FileRecord> files = SnapshotConfig.Parse(Encoding.UTF8.GetBytes(envelope.Config.GetRawText()), $"the config in {where}");
        return new Decoded(envelope.Name, envelope.Version, createdNs, files);
    }

    /// <summary>Runs a validation meant for arguments on data from an archive, reporting it as CORRUPT.</summary>
    private static void Checked(Action validate, string where)
    {
        try
        {
            validate();
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"{where}: {e.Message}");
        }
    }
}
