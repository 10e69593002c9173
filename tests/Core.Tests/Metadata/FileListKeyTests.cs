using Snapshotter.Hashing;
using Snapshotter.Metadata;

namespace Snapshotter.Tests.Metadata;

public sealed class FileListKeyTests
{
    private static readonly FileRecord Base = new("dir/a.bin", new Digest(0x5e0ba398f628c5e4), false, 0x1A4, 1000, 1000, 12, 1_767_000_000_123_456_789, 3600, EntryType.Regular);

    [Fact]
    public void The_key_is_128_bits_independent_of_the_order_files_come_in()
    {
        FileRecord[] files = [Base, Base with { RelativePath = "b" }, Base with { RelativePath = "a/z" }];

        byte[] key = FileListKey.Of(files);

        Assert.Equal(FileListKey.Length, key.Length);
        Assert.Equal(key, FileListKey.Of(files.Reverse().ToArray()));
        Assert.Equal(key, FileListKey.Of(files.Select(f => f with { }).ToList()));
    }

    private static readonly Dictionary<string, FileRecord> Changed = new()
    {
        ["path"] = Base with { RelativePath = "dir/a.bim" },
        ["digest"] = Base with { Digest = new Digest(0x5e0ba398f628c5e5) },
        ["read-only"] = Base with { ReadOnly = true },
        ["mode"] = Base with { Mode = 0x1A0 },
        ["uid"] = Base with { Uid = 1001 },
        ["gid"] = Base with { Gid = 0 },
        ["size"] = Base with { Size = 13 },
        ["mtime"] = Base with { ModificationTimeNs = Base.ModificationTimeNs + 1 },
        ["offset"] = Base with { ModificationTimeOffsetSeconds = 0 },
        ["typeflag"] = Base with { Type = EntryType.Directory },
        ["a long path"] = Base with { RelativePath = new string('p', 4000) },
        ["a path not UTF-8"] = Base with { RelativePath = "dir/a.bi\uDCED" },
        ["link target"] = Base with { Type = EntryType.Hardlink, LinkTarget = "dir/b" },
        ["symlink target bytes"] = Base with { Digest = null, Type = EntryType.Symlink, LinkTarget = "\uDCFF" },
        ["device major"] = Base with { Digest = null, Type = EntryType.CharacterDevice, DeviceMajor = 1 },
        ["device minor"] = Base with { Digest = null, Type = EntryType.CharacterDevice, DeviceMinor = 1 },
        ["no attributes"] = Base with { Xattrs = new([]) },
        ["an attribute"] = Base with { Xattrs = new([new("user.a", [1])]) },
        ["an attribute value"] = Base with { Xattrs = new([new("user.a", [2])]) },
    };

    public static TheoryData<string> Fields() => new(Changed.Keys);

    [Theory]
    [MemberData(nameof(Fields))]
    public void Any_field_of_any_file_changes_the_key(string field)
    {
        FileRecord other = Base with { RelativePath = "other" };

        Assert.False(FileListKey.Of([Base, other]).AsSpan().SequenceEqual(FileListKey.Of([Changed[field], other])), field);
    }

    [Fact]
    public void A_file_more_or_less_changes_the_key_and_the_empty_list_has_one()
    {
        FileRecord other = Base with { RelativePath = "other" };

        Assert.False(FileListKey.Of([Base, other]).AsSpan().SequenceEqual(FileListKey.Of([Base])));
        Assert.False(FileListKey.Of([]).AsSpan().SequenceEqual(FileListKey.Of([Base])));
        Assert.Equal(FileListKey.Of([]), FileListKey.Of(new List<FileRecord>()));
    }

    [Fact]
    public void The_key_of_a_known_list_stays_the_same()
    {
        // Keys are stored: a change of the encoding would stop every list recorded before from being shared. The first
        // half is what `xxhsum -H3` gives for the encoding of this list.
        FileRecord[] files = [Base, Base with { RelativePath = "b", Digest = new Digest(0x1), ReadOnly = true, Size = 0 }];

        Assert.Equal("00cda54152f0784b50c5a3cb088ac38d", Convert.ToHexStringLower(FileListKey.Of(files)));
    }
}
