using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.IO;

/// <summary>Extended attributes read by path, by name in an open directory and through a descriptor: the ones asked for,
/// a symlink's own, nothing for an inode without any.</summary>
public sealed class ExtendedAttributeReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_attributes_asked_for_are_read_with_their_values()
    {
        string file = TestFiles.WriteDense(_temp.Combine("f"), "x"u8);
        TestFiles.SetXattr(file, "user.a", [1, 2, 3]);
        TestFiles.SetXattr(file, "user.empty", []);
        TestFiles.SetXattr(file, "user.big", TestFiles.Pattern(4000, 1));

        List<KeyValuePair<string, byte[]>> read = ExtendedAttributeReader.Read(file, name => name != "user.big")!;

        Assert.Equal(new Dictionary<string, byte[]> { ["user.a"] = [1, 2, 3], ["user.empty"] = [] }, read.ToDictionary(x => x.Key, x => x.Value));
        Assert.Equal(TestFiles.Pattern(4000, 1), ExtendedAttributeReader.Read(file, name => name == "user.big")!.Single().Value);
    }

    [Fact]
    public void A_list_of_names_longer_than_the_first_read_is_read_whole()
    {
        string file = TestFiles.WriteDense(_temp.Combine("many"), "x"u8);
        var expected = new Dictionary<string, byte[]>();
        for (int i = 0; i < 40; i++)
        {
            expected[$"user.an-attribute-with-a-long-name-{i:D2}"] = [(byte)i];
            TestFiles.SetXattr(file, $"user.an-attribute-with-a-long-name-{i:D2}", [(byte)i]);
        }

        Assert.Equal(expected, ExtendedAttributeReader.Read(file, _ => true)!.ToDictionary(x => x.Key, x => x.Value));
    }

    [Fact]
    public void None_is_null_and_a_symlink_is_not_followed()
    {
        string file = TestFiles.WriteDense(_temp.Combine("target"), "x"u8);
        TestFiles.SetXattr(file, "user.a", [1]);
        string link = _temp.Combine("link");
        File.CreateSymbolicLink(link, file);

        Assert.Null(ExtendedAttributeReader.Read(TestFiles.WriteDense(_temp.Combine("plain"), "y"u8), _ => true));
        Assert.Null(ExtendedAttributeReader.Read(link, name => name.StartsWith("user.", StringComparison.Ordinal)));
        Assert.NotNull(ExtendedAttributeReader.Read(file, name => name.StartsWith("user.", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_missing_path_is_not_found_naming_it() =>
        Assert.Contains("missing", Expect.Error(ErrorCode.NotFound, () => ExtendedAttributeReader.Read(_temp.Combine("missing"), _ => true)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_name_in_an_open_directory_and_an_open_directory_read_as_their_paths_do()
    {
        string dir = _temp.Combine("dir");
        Directory.CreateDirectory(dir);
        TestFiles.SetXattr(dir, "user.own", [9]);
        string file = TestFiles.WriteDense(Path.Join(dir, "f"), "x"u8);
        TestFiles.SetXattr(file, "user.a", [1, 2]);
        TestFiles.SetXattr(file, "user.big", TestFiles.Pattern(4000, 2));
        File.CreateSymbolicLink(Path.Join(dir, "link"), "f");
        TestFiles.WriteDense(Path.Join(dir, "plain"), "y"u8);

        using UnixDirectory open = UnixDirectory.Open(dir);
        Dictionary<string, UnixDirectory.Entry> entries = open.ReadEntries().ToDictionary(e => e.Text);

        Assert.Equal(
            ExtendedAttributeReader.Read(file, _ => true)!.ToDictionary(x => x.Key, x => x.Value),
            open.ReadXattrs(entries["f"], dir, _ => true)!.ToDictionary(x => x.Key, x => x.Value));
        Assert.Equal(TestFiles.Pattern(4000, 2), open.ReadXattrs(entries["f"], dir, name => name == "user.big")!.Single().Value);
        Assert.Null(open.ReadXattrs(entries["link"], dir, _ => true));
        Assert.Null(open.ReadXattrs(entries["plain"], dir, _ => true));
        Assert.Equal([9], open.ReadOwnXattrs(_ => true)!.Single(x => x.Key == "user.own").Value);
    }

    [Fact]
    public void A_name_gone_from_its_directory_is_not_found_naming_its_path()
    {
        string dir = _temp.Combine("gone");
        Directory.CreateDirectory(dir);
        string file = TestFiles.WriteDense(Path.Join(dir, "f"), "x"u8);
        using UnixDirectory open = UnixDirectory.Open(dir);
        UnixDirectory.Entry entry = open.ReadEntries().Single();
        File.Delete(file);

        Assert.Contains(file, Expect.Error(ErrorCode.NotFound, () => open.ReadXattrs(entry, dir, _ => true)).Message, StringComparison.Ordinal);
    }
}
