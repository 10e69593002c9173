using Snapshotter.Errors;
using Snapshotter.Tests.Support;
using Snapshotter.Validation;

namespace Snapshotter.Tests.Validation;

public sealed class RelativePathTests
{
    [Theory]
    [InlineData("a", "", "a")]
    [InlineData("a/b/c", "a/b", "c")]
    [InlineData("dir/.hidden", "dir", ".hidden")]
    public void Splits_into_directory_and_name(string path, string directory, string name)
    {
        Assert.Equal((directory, name), RelativePath.Split(path));
        Assert.Equal(name, RelativePath.NameOf(path));
    }

    [Theory]
    [InlineData("a", "a")]
    [InlineData("a/b/c", "a/b/c")]
    [InlineData("./a", "a")]
    [InlineData("a/./b", "a/b")]
    [InlineData("a//b", "a/b")]
    [InlineData("./././a/.//b/.", "a/b")]
    [InlineData("...", "...")]
    [InlineData("..a/b..", "..a/b..")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("a b/c\\d", "a b/c\\d")]
    public void Normalizes_to_the_canonical_form(string path, string expected)
    {
        Assert.Equal(expected, RelativePath.Normalize(path));
    }

    [Theory]
    [InlineData(".", "directory itself")]
    [InlineData("./", "directory itself")]
    [InlineData("./.", "directory itself")]
    [InlineData("//", "absolute")]
    [InlineData("..", "'..'")]
    [InlineData("../a", "'..'")]
    [InlineData("a/..", "'..'")]
    [InlineData("a/../b", "'..'")]
    [InlineData("a/b/../../c", "'..'")]
    [InlineData("/a", "absolute")]
    [InlineData("/", "absolute")]
    [InlineData("a/", "ends with '/'")]
    [InlineData("a/b//", "ends with '/'")]
    [InlineData(".snapshotter-incomplete-restore", "reserved name '.snapshotter-incomplete-restore'")]
    [InlineData("sub/.snapshotter-restore-0123456789abcdef-x", "reserved name '.snapshotter-restore-0123456789abcdef-x'")]
    public void Rejects_paths_that_do_not_name_a_file_inside(string path, string why)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => RelativePath.Normalize(path, "files[3].relative_path"));
        Assert.Contains($"files[3].relative_path '{path}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Rejects_empty(string? path)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => RelativePath.Normalize(path, "the_field"));
        Assert.Contains("the_field", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("\0")]
    [InlineData("a/\0")]
    public void Rejects_nul(string path)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => RelativePath.Normalize(path));
        Assert.Contains("NUL", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Component_of_255_bytes_is_accepted_and_256_is_not()
    {
        string max = new('c', 255);
        Assert.Equal("a/" + max, RelativePath.Normalize("a/" + max));
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => RelativePath.Normalize("a/" + new string('c', 256)));
        Assert.Contains("255", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Component_length_counts_utf8_bytes_not_characters()
    {
        Assert.Equal(new string('é', 127), RelativePath.Normalize(new string('é', 127)));
        Expect.Error(ErrorCode.InvalidArgument, () => RelativePath.Normalize(new string('é', 128)));
    }

    [Fact]
    public void Path_of_4095_bytes_is_accepted_and_4096_is_not()
    {
        string component = new('p', 254);
        string path = string.Join('/', Enumerable.Repeat(component, 16)); // 16 * 254 + 15 = 4079
        string max = path + "/" + new string('q', 4095 - path.Length - 1);
        Assert.Equal(4095, max.Length);
        Assert.Equal(max, RelativePath.Normalize(max));
        Expect.Error(ErrorCode.InvalidArgument, () => RelativePath.Normalize(max + "q"));
    }

    [Theory]
    [InlineData("/a", "/a", true)]
    [InlineData("/a/b", "/a", true)]
    [InlineData("/a/b/c", "/a", true)]
    [InlineData("/ab", "/a", false)]
    [InlineData("/a.b", "/a", false)]
    [InlineData("/", "/a", false)]
    [InlineData("/b", "/a", false)]
    [InlineData("/a", "/a/b", false)]
    [InlineData("/", "/", true)]
    [InlineData("/x", "/", true)]
    [InlineData("/x/y", "/", true)]
    [InlineData("/srv/data-old/f", "/srv/data", false)]
    [InlineData("/srv/data/f", "/srv/data", true)]
    public void IsInside(string path, string root, bool inside)
    {
        Assert.Equal(inside, RelativePath.IsInside(path, root));
    }
}
