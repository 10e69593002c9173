using System.Security.Cryptography;
using System.Text;
using Snapshotter.Archive;
using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

/// <summary>
/// The tar layer against GNU tar for every member type it writes, on the sample tree of <see cref="TreeListing"/>:
/// what TarWriter writes, `tar --xattrs -xp` extracts as the same tree; what `tar --xattrs --format=pax` archives,
/// TarReader reads as the same entries. Trees are described and compared by python3, not by the library.
/// </summary>
public sealed class TarEntryTypesTests : IDisposable
{
    private static readonly byte[] SparseFile = "data/sparse.img"u8.ToArray();

    private readonly TempDirectory _temp = new();
    private readonly string _source;
    private readonly string _data;
    private readonly List<TreeListing.Entry> _expected;

    public TarEntryTypesTests()
    {
        _source = _temp.Combine("source");
        _data = _temp.CreateDirectory("data");
        TreeListing.MakeSample(_source);
        _expected = TreeListing.Of(_source, _data);
    }

    public void Dispose()
    {
        TreeListing.Remove(_temp.Path);
        _temp.Dispose();
    }

    [Fact]
    public void The_sample_has_every_member_type()
    {
        Assert.Equal("023456", string.Concat(_expected.Select(e => e.Type).Distinct().Order()));
        Assert.Contains(_expected, e => e.Group.Count == 2 && e.Xattrs.Count == 0);
        Assert.Contains(_expected, e => e.Name.Length > 255);
    }

    [Fact]
    public void Gnu_tar_extracts_what_the_writer_wrote_as_the_same_tree()
    {
        string archive = _temp.Combine("ours.tar");
        using (FileStream output = File.Create(archive))
        {
            Write(output);
        }

        string extracted = _temp.CreateDirectory("extracted");
        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "-xpf", archive, "-C", extracted);

        string differences = TreeListing.Differences(_source, extracted);
        Assert.True(differences.Length == 0, differences);
    }

    [Fact]
    public void The_reader_gives_the_entries_of_a_tree_gnu_tar_archived()
    {
        string archive = _temp.Combine("gnu.tar");
        Tool.Run("tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-cf", archive, "-C", _source, ".");

        Assert.Equal(_expected.Select(e => e.ToString()), Read(archive).Select(e => e.ToString()));
    }

    [Fact]
    public void The_reader_gives_names_types_links_and_devices_of_gnu_tars_own_format()
    {
        // --format=gnu holds long names and link targets in 'L' and 'K' members, and no nanoseconds or xattrs.
        string archive = _temp.Combine("gnu-format.tar");
        Tool.Run("tar", "--format=gnu", "-cf", archive, "-C", _source, ".");

        static string Shape(TreeListing.Entry e) => (e with { MtimeNs = e.MtimeNs / 1_000_000_000, Xattrs = [] }).ToString();
        Assert.Equal(_expected.Select(Shape), Read(archive).Select(Shape));
    }

    [Fact]
    public void The_writer_stores_names_and_targets_that_are_not_utf8_as_raw_bytes_as_gnu_tar_does()
    {
        byte[] name = [.. "bad"u8, 0xFF, 0xFE];
        byte[] target = [.. "caf"u8, 0xC3, 0xA9, (byte)'/', 0xFF];
        var ours = new MemoryStream();
        var tar = new TarWriter(ours);
        tar.WriteMember(new TarMember(name, TarFormat.SymlinkType, new TarFileMeta(0x1FF, 0, 0, 1_000_000_000)) { LinkName = target });
        tar.Finish();

        byte[] archive = ours.ToArray();
        Assert.True(archive.AsSpan().IndexOf([.. " path="u8, .. name, (byte)'\n']) > 0);
        Assert.True(archive.AsSpan().IndexOf([.. " linkpath="u8, .. target, (byte)'\n']) > 0);
        Assert.True(archive.AsSpan().IndexOf("hdrcharset"u8) < 0, "GNU tar 1.34 warns about hdrcharset, which it does not know");
        TarEntry entry = new TarReader(new MemoryStream(archive), "ours").Next()!;
        Assert.Equal(name, entry.Member.Name);
        Assert.Equal(target, entry.Member.LinkName);
    }

    /// <summary>Writes the sample as GNU tar would archive it: a hard link group's first path carries the data, the
    /// others are hard link members naming it; the sparse file keeps its holes.</summary>
    private void Write(Stream output)
    {
        var tar = new TarWriter(output);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (TreeListing.Entry e in _expected)
        {
            var member = new TarMember(e.Name, (byte)e.Type, new TarFileMeta(e.Mode, e.Uid, e.Gid, e.MtimeNs)) { Xattrs = e.Xattrs };
            byte[]? first = e.Group.FirstOrDefault(g => written.Contains(Convert.ToHexString(g)));
            written.Add(Convert.ToHexString(e.Name));
            if (first is not null)
            {
                tar.WriteMember(member with { Type = TarFormat.HardLinkType, LinkName = first, Xattrs = [] });
            }
            else if (e.Type == '0')
            {
                byte[] data = File.ReadAllBytes(Path.Join(_data, e.Sha256));
                Extent[] extents = e.Name.AsSpan().SequenceEqual(SparseFile)
                    ? TestFiles.DataExtents(Path.Join(_source, Encoding.UTF8.GetString(SparseFile))).Select(x => new Extent(x.Offset, x.Length)).ToArray()
                    : [];
                if (extents.Length > 0)
                {
                    tar.BeginSparseFile(member, e.Size, extents);
                    foreach (Extent extent in extents)
                    {
                        tar.WriteData(data.AsSpan((int)extent.Offset, (int)extent.Length));
                    }
                }
                else
                {
                    tar.BeginFile(member, e.Size);
                    tar.WriteData(data);
                }

                tar.EndEntry();
            }
            else
            {
                tar.WriteMember(member with { LinkName = e.Link, DevMajor = e.DevMajor, DevMinor = e.DevMinor });
            }
        }

        tar.Finish();
    }

    /// <summary>The entries of an archive as a listing: a hard link member stands for its target's inode.</summary>
    private static List<TreeListing.Entry> Read(string archive)
    {
        using FileStream input = File.OpenRead(archive);
        var reader = new TarReader(input, archive);
        var entries = new Dictionary<string, TreeListing.Entry>(StringComparer.Ordinal);
        var links = new List<(byte[] Name, byte[] Target)>();
        while (reader.Next() is { } entry)
        {
            TarMember m = entry.Member;
            byte[] name = Relative(m.Name);
            if (name.Length == 0)
            {
                continue;
            }

            if (m.Type == TarFormat.HardLinkType)
            {
                links.Add((name, Relative(m.LinkName)));
                continue;
            }

            byte[] data = new byte[entry.Size];
            foreach (Extent extent in entry.Extents)
            {
                Assert.Equal((int)extent.Length, reader.ReadData(data.AsSpan((int)extent.Offset, (int)extent.Length)));
            }

            bool regular = m.IsRegularFile;
            entries[Convert.ToHexString(name)] = new TreeListing.Entry(name, (char)m.Type, m.Meta.Mode, m.Meta.Uid, m.Meta.Gid, m.Meta.MtimeNs, entry.Size,
                regular ? Convert.ToHexStringLower(SHA256.HashData(data)) : "-", m.LinkName, m.DevMajor, m.DevMinor, m.Xattrs, []);
        }

        foreach (IGrouping<string, (byte[] Name, byte[] Target)> group in links.GroupBy(l => Convert.ToHexString(l.Target)))
        {
            byte[][] paths = [entries[group.Key].Name, .. group.Select(l => l.Name)];
            foreach (byte[] path in paths)
            {
                entries[Convert.ToHexString(path)] = entries[group.Key] with { Name = path, Group = paths.Where(p => p != path).ToList() };
            }
        }

        return entries.Values.OrderBy(e => Convert.ToHexStringLower(e.Name), StringComparer.Ordinal).ToList();
    }

    /// <summary>A member name as the listing has it: without GNU tar's leading "./" and a directory's trailing '/'.</summary>
    private static byte[] Relative(byte[] name)
    {
        ReadOnlySpan<byte> span = name.AsSpan().TrimEnd((byte)'/');
        return (span.StartsWith("./"u8) ? span[2..] : span.SequenceEqual("."u8) ? [] : span).ToArray();
    }
}
