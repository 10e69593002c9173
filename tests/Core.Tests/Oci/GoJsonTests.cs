using System.Text;
using Snapshotter.Oci;

namespace Snapshotter.Tests.Oci;

/// <summary>Go's json.Marshal of strings, byte for byte.</summary>
public sealed class GoJsonTests
{
    [Theory]
    [InlineData("plain/path.bin", "\"plain/path.bin\"")]
    [InlineData("q\"b\\s", "\"q\\\"b\\\\s\"")]
    [InlineData("<a>&b", "\"\\u003ca\\u003e\\u0026b\"")]
    [InlineData("\u2028\u2029", "\"\\u2028\\u2029\"")]
    [InlineData("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"")]
    [InlineData("\u0001\u001f\u007f", "\"\\u0001\\u001f\u007f\"")]
    [InlineData("é日本😀", "\"é日本😀\"")]
    public void Strings_are_escaped_as_go_escapes_them(string value, string expected)
    {
        var json = new StringBuilder();
        GoJson.AppendString(json, value);
        Assert.Equal(expected, json.ToString());
    }

    /// <summary>Go replaces invalid UTF-8 with U+FFFD; a lone surrogate is the UTF-16 counterpart.</summary>
    [Fact]
    public void A_lone_surrogate_is_written_as_the_replacement_character()
    {
        var json = new StringBuilder();
        GoJson.AppendString(json, "lone" + '\ud800' + "surrogate");
        Assert.Equal("\"lone\\ufffdsurrogate\"", json.ToString());
    }
}
