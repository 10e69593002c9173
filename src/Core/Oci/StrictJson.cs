using System.Text.Json;
using Snapshotter.Errors;

namespace Snapshotter.Oci;

/// <summary>Reading untrusted JSON with Utf8JsonReader: the steps the config and manifest parsers share.</summary>
internal static class StrictJson
{
    /// <summary>The next token; the end of the data in the middle of a value is malformed JSON.</summary>
    public static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("unexpected end of data");

    /// <summary>Skips the value of the property the reader is on (one this library does not read).</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>The next value, which must be a string; CORRUPT naming <paramref name="field"/> otherwise.</summary>
    public static string ReadString(ref Utf8JsonReader reader, string source, string field) =>
        Next(ref reader) == JsonTokenType.String ? reader.GetString()! : throw SnapshotterException.Corrupt($"{source}: {field} is not a string");

    /// <summary>Reads to the end: anything after the one value makes the reader throw.</summary>
    public static void EnsureEnd(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
            // Each token after the value is refused by the reader itself (one JSON value only).
        }
    }
}
