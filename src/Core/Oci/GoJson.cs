using System.Globalization;
using System.Text;

namespace Snapshotter.Oci;

/// <summary>
/// Strings as Go's encoding/json writes them (Go 1.22 and later), for the config blob that must match
/// Dragonfly's Go snapshotter byte for byte. (Times are written by <see cref="Formats.Rfc3339"/>, which
/// follows Go's RFC3339Nano.)
/// </summary>
internal static class GoJson
{
    /// <summary>
    /// Appends <paramref name="value"/> as a JSON string the way Go's json.Marshal does: HTML-safe (&lt;, &gt; and
    /// &amp; as \u003c, \u003e, \u0026), U+2028 and U+2029 escaped, \b \f \n \r \t short, other control
    /// characters as \u00XX with lowercase hex, invalid UTF-16 (Go: invalid UTF-8) as \ufffd.
    /// </summary>
    public static void AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                case < ' ':
                    json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        json.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        json.Append("\\ufffd");
                    }
                    else
                    {
                        json.Append(c);
                    }

                    break;
            }
        }

        json.Append('"');
    }
}
