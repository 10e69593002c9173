using System.Net;
using System.Text;
using System.Text.Json;
using Snapshotter.Errors;

namespace Snapshotter.Registry;

/// <summary>
/// Turns a registry's refusal into the caller's error: the result code from the HTTP status, the message with
/// the registry's own error codes and messages from its OCI error body ({"errors":[{"code","message"}]}).
/// </summary>
internal static class RegistryErrors
{
    private const int MaxMessageChars = 512;

    public static ErrorCode CodeFor(HttpStatusCode status) => (int)status switch
    {
        401 => ErrorCode.Unauthenticated,
        403 => ErrorCode.PermissionDenied,
        404 => ErrorCode.NotFound,
        408 => ErrorCode.Timeout,
        429 or >= 500 => ErrorCode.Unavailable,
        _ => ErrorCode.Unsupported,
    };

    /// <summary>"&lt;what&gt;: HTTP 400 Bad Request: MANIFEST_INVALID: manifest invalid".</summary>
    public static string Describe(RegistryResponse response, string what)
    {
        string detail = ErrorsOf(response.Body);
        return detail.Length == 0 ? $"{what}: {response.StatusText}" : $"{what}: {response.StatusText}: {detail}";
    }

    public static SnapshotterException Exception(RegistryResponse response, string what) =>
        new(CodeFor(response.Status), Describe(response, what));

    /// <summary>The registry's error codes and messages, or "" when the body is not an OCI error body.</summary>
    public static string ErrorsOf(ReadOnlySpan<byte> body)
    {
        var text = new StringBuilder();
        foreach ((string code, string? message) in Parse(body))
        {
            text.Append(text.Length == 0 ? "" : "; ").Append(code);
            if (!string.IsNullOrEmpty(message))
            {
                text.Append(": ").Append(message);
            }
        }

        return text.Length > MaxMessageChars ? text.ToString(0, MaxMessageChars) + "..." : text.ToString();
    }

    /// <summary>Whether the OCI error body carries <paramref name="code"/>.</summary>
    public static bool HasCode(ReadOnlySpan<byte> body, string code) => Parse(body).Any(e => e.Code == code);

    private static List<(string Code, string? Message)> Parse(ReadOnlySpan<byte> body)
    {
        var errors = new List<(string, string?)>();
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return errors;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isErrors = reader.ValueTextEquals("errors"u8);
                reader.Read();
                if (!isErrors || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    string? code = null, message = null;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        string name = reader.GetString()!;
                        reader.Read();
                        if (name == "code" && reader.TokenType == JsonTokenType.String)
                        {
                            code = reader.GetString();
                        }
                        else if (name == "message" && reader.TokenType == JsonTokenType.String)
                        {
                            message = reader.GetString();
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }

                    errors.Add((code ?? "UNKNOWN", message));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not an OCI error body (an HTML error page, a truncated body): the status says enough.
        }

        return errors;
    }
}
