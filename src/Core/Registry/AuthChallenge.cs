using System.Net.Http.Headers;
using System.Text;

namespace Snapshotter.Registry;

/// <summary>One challenge of a WWW-Authenticate header: its scheme (Basic, Bearer) and its parameters
/// (realm, service, scope, error), with quoted strings unescaped.</summary>
internal sealed class AuthChallenge
{
    private AuthChallenge(string scheme, Dictionary<string, string> parameters)
    {
        Scheme = scheme;
        Parameters = parameters;
    }

    public string Scheme { get; }

    public IReadOnlyDictionary<string, string> Parameters { get; }

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.TryGetValue(name, out string? value) ? value : null;

    public static List<AuthChallenge> From(HttpHeaderValueCollection<AuthenticationHeaderValue> headers) =>
        headers.Select(h => new AuthChallenge(h.Scheme, ParseParameters(h.Parameter ?? ""))).ToList();

    /// <summary>auth-param list of RFC 9110: name=token or name="quoted string", comma separated. Names are
    /// case-insensitive; a malformed tail is ignored rather than guessed at.</summary>
    public static Dictionary<string, string> ParseParameters(string text)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }

            int nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',' && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string name = text[nameStart..i];
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (name.Length == 0 || i >= text.Length || text[i] != '=')
            {
                return parameters;
            }

            i++;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i++]);
                }

                if (i >= text.Length)
                {
                    return parameters;
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',' && !char.IsWhiteSpace(text[i]))
                {
                    value.Append(text[i++]);
                }
            }

            parameters[name] = value.ToString();
        }

        return parameters;
    }
}
