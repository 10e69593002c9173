using System.Text;
using Snapshotter.Archive;
using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

/// <summary>
/// The export archive's members pinned byte for byte: docs/vectors/export/members.tar is what TarWriter writes for one
/// member of every type (with xattrs, a long symlink target, a name that is not UTF-8, a sparse file, nanosecond
/// mtimes, setuid), members.tvf is how GNU tar lists it, and TarReader reads back what was written.
/// </summary>
public sealed class TarGoldenTests
{
    private const long Mtime = 1_700_000_000_123_456_789;

    private static readonly byte[] Data = "test content\n"u8.ToArray();
    private static readonly byte[] SparseData = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i % 251 + 1))];

    private static TarMember Member(string name, byte type, uint mode) =>
        new(Encoding.UTF8.GetBytes(name), type, new TarFileMeta(mode, 1000, 1000, Mtime));

    private static readonly TarMember[] Members =
    [
        Member("files/dir", TarFormat.DirectoryType, 0x1ED),
        Member("files/dir/file", TarFormat.RegularType, 0x9ED) with { Xattrs = [new("trusted.bin", [0, 0xFF, (byte)'=']), new("user.comment", "tree"u8.ToArray())] },
        Member("files/dir/hard", TarFormat.HardLinkType, 0x9ED) with { LinkName = "files/dir/file"u8.ToArray() },
        Member("files/dir/up", TarFormat.SymlinkType, 0x1FF) with { LinkName = "../../outside/target"u8.ToArray() },
        Member("files/dir/long", TarFormat.SymlinkType, 0x1FF) with { LinkName = Encoding.ASCII.GetBytes(new string('t', 150)) },
        Member("files/dir/fifo", TarFormat.FifoType, 0x1A0),
        Member("files/dir/null", TarFormat.CharDeviceType, 0x1B6) with { DevMajor = 1, DevMinor = 3 },
        Member("files/dir/loop", TarFormat.BlockDeviceType, 0x1B0) with { DevMajor = 7, DevMinor = 200 },
        new TarMember([.. "files/dir/bad-"u8, 0xFF, 0xFE], TarFormat.RegularType, new TarFileMeta(0x1A4, 0, 0, 1_700_000_000_000_000_000)),
        Member("files/dir/sparse", TarFormat.RegularType, 0x180),
    ];

    private static byte[] Write()
    {
        var output = new MemoryStream();
        var tar = new TarWriter(output);
        foreach (TarMember member in Members)
        {
            string name = Encoding.UTF8.GetString(member.Name);
            if (!member.IsRegularFile)
            {
                tar.WriteMember(member);
            }
            else if (name.EndsWith("sparse", StringComparison.Ordinal))
            {
                tar.BeginSparseFile(member, 2 << 20, [new Extent(1 << 20, SparseData.Length)]);
                tar.WriteData(SparseData);
                tar.EndEntry();
            }
            else
            {
                byte[] data = name.EndsWith("file", StringComparison.Ordinal) ? Data : [];
                tar.BeginFile(member, data.Length);
                tar.WriteData(data);
                tar.EndEntry();
            }
        }

        tar.Finish();
        return output.ToArray();
    }

    [Fact]
    public void The_writer_writes_the_golden_bytes()
    {
        Assert.Equal(GoldenVectors.Bytes("export/members.tar"), Write());
    }

    [Fact]
    public void Gnu_tar_lists_the_golden_archive_as_recorded()
    {
        string listing = Tools.Run("tar", ["--xattrs", "--full-time", "--numeric-owner", "-tvf", GoldenVectors.PathOf("export/members.tar")], null, null,
            new Dictionary<string, string> { ["TZ"] = "UTC" });

        Assert.Equal(File.ReadAllText(GoldenVectors.PathOf("export/members.tvf")), listing);
    }

    [Fact]
    public void The_reader_reads_back_every_member_of_the_golden_archive()
    {
        var reader = new TarReader(new MemoryStream(GoldenVectors.Bytes("export/members.tar")), "golden");
        foreach (TarMember written in Members)
        {
            TarEntry read = reader.Next()!;
            TarMember expected = written with { Name = written.IsDirectory ? [.. written.Name, (byte)'/'] : written.Name };
            Assert.Equal(expected.Name, read.Member.Name);
            Assert.Equal((expected.Type, expected.Meta, expected.DevMajor, expected.DevMinor), (read.Member.Type, read.Member.Meta, read.Member.DevMajor, read.Member.DevMinor));
            Assert.Equal(expected.LinkName, read.Member.LinkName);
            Assert.Equal(expected.Xattrs.Select(x => (x.Key, Convert.ToHexString(x.Value))), read.Member.Xattrs.Select(x => (x.Key, Convert.ToHexString(x.Value))));
        }

        Assert.Null(reader.Next());
    }
}
