using Snapshotter.Errors;
using Snapshotter.Tests.Support;
using Snapshotter.Validation;

namespace Snapshotter.Tests.Validation;

public sealed class PathPatternTests
{
    [Theory]
    [InlineData("a.txt", "a.txt", true)]
    [InlineData("a.txt", "b/a.txt", false)]
    [InlineData("./dir//", "dir/x/y", true)]
    [InlineData("dir", "dir", true)]
    [InlineData("dir", "dir2/x", false)]
    [InlineData("dir", "dirx", false)]
    [InlineData("*.bin", "a.bin", true)]
    [InlineData("*.bin", "d/a.bin", false)]
    [InlineData("*", "anything/below", true)]
    [InlineData("d/*.bin", "d/a.bin", true)]
    [InlineData("d/*", "d/sub/deep.txt", true)]
    [InlineData("d/*.bin", "d/sub/a.bin", false)]
    [InlineData("**/*.bin", "a.bin", true)]
    [InlineData("**/*.bin", "x/y/z/a.bin", true)]
    [InlineData("**/*.bin", "x/y/z/a.txt", false)]
    [InlineData("x/**/z", "x/z/file", true)]
    [InlineData("x/**/z", "x/a/b/z", true)]
    [InlineData("x/**", "x/anything", true)]
    [InlineData("x/**", "y/anything", false)]
    [InlineData("f?le", "file", true)]
    [InlineData("f?le", "fle", false)]
    [InlineData("f?le", "f/le", false)]
    [InlineData("[ab]*", "b1", true)]
    [InlineData("[ab]*", "c1", false)]
    [InlineData("[!ab]*", "c1", true)]
    [InlineData("[^ab]*", "a1", false)]
    [InlineData("v[0-9].txt", "v7.txt", true)]
    [InlineData("v[0-9].txt", "vx.txt", false)]
    [InlineData("[]]x", "]x", true)]
    [InlineData("[a-]", "-", true)]
    [InlineData(@"\*", "*", true)]
    [InlineData(@"\*", "a", false)]
    [InlineData(@"[\]]", "]", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("é/*", "é/ü", true)]
    public void Selects_paths_and_everything_below_selected_directories(string pattern, string path, bool selected)
    {
        Assert.Equal(selected, PathPattern.Parse(pattern, "only[0]").Selects(path));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("/etc/*", "is absolute")]
    [InlineData("a/../b", "contains '..'")]
    [InlineData(".", "names the snapshot's root")]
    [InlineData("./", "names the snapshot's root")]
    [InlineData("[abc", "without its ']'")]
    [InlineData("x/[", "without its ']'")]
    [InlineData("[]", "without its ']'")]
    [InlineData("a\0b", "NUL")]
    public void Refuses_malformed_patterns_naming_them(string pattern, string needle)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => PathPattern.Parse(pattern, "only[3]"));
        Assert.Contains("only[3]", e.Message);
        Assert.Contains(needle, e.Message);
    }

    [Fact]
    public void A_selection_refuses_a_pattern_that_selects_nothing()
    {
        PathSelection selection = PathSelection.Create(["a/*", "*.txt", "nope/**"])!;
        string[] paths = ["a/x", "b.txt", "c.bin"];

        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => selection.Select(paths, p => p, "snapshot 's:v'"));

        Assert.Contains("'nope/**' matches no file of snapshot 's:v'", e.Message);
        Assert.Equal(["a/x", "b.txt"], PathSelection.Create(["a/*", "*.txt"])!.Select(paths, p => p, "s"));
        Assert.Null(PathSelection.Create([]));
        Assert.Null(PathSelection.Create(null));
    }
}
