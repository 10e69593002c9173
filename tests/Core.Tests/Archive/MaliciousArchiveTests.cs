using System.IO.Compression;
using Snapshotter.Archive;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Archive;

/// <summary>
/// Imports of archives no honest writer makes: paths leaving the snapshot, members beneath symlinks, hard links to
/// what the archive does not hold before them, member types a snapshot cannot hold, duplicates, lies in
/// sizes, maps and checksums, truncation at every kind of place, and exports whose data or listing was altered.
/// Each is refused with a clear error, and leaves no snapshot, no temporary file and nothing outside the store.
/// </summary>
public sealed class MaliciousArchiveTests : EngineTestBase
{
    private byte[] _export = [];

    /// <summary>A genuine export of app:v1 (two files, one sparse), to damage.</summary>
    private byte[] GenuineExport()
    {
        if (_export.Length > 0)
        {
            return _export;
        }

        Source("a.txt", "alpha\n"u8.ToArray());
        TestFiles.WriteSparse(Path.Join(BaseDir, "sparse.img"), 1 << 20, (8192, TestFiles.Pattern(4096, 1)));
        Snapshot("app", "v1", new FileSpec("a.txt", false), new FileSpec("sparse.img", false));
        string path = Path.Join(Temp.CreateDirectory("inputs"), "genuine.tar");
        using (var output = Descriptor.Create(path))
        {
            Engine.Export(new ExportRequest { Snapshot = SnapshotReference.Parse("app:v1"), Descriptor = output.Fd });
        }

        Engine.Delete(SnapshotReference.Parse("app:v1"));
        return _export = File.ReadAllBytes(path);
    }

    /// <summary>Imports the bytes and expects the error; then checks nothing of it stayed.</summary>
    private SnapshotterException Refused(byte[] archive, ErrorCode code, string needle, string? name = "evil", string? version = "v1")
    {
        string path = Path.Join(Temp.CreateDirectory("inputs"), $"evil-{Guid.NewGuid():n}.tar");
        File.WriteAllBytes(path, archive);
        SnapshotterException e;
        using (var input = Descriptor.Read(path))
        {
            e = Expect.Error(code, () => Engine.Import(new ImportRequest { Descriptor = input.Fd, Name = name, Version = version }));
        }

        Assert.Contains(needle, e.Message);
        Assert.Empty(Engine.List());
        Assert.Empty(TestFiles.TempFiles(RootDir));
        Assert.Empty(TestFiles.Tree(ContentDir));
        Assert.Equal(["base", "inputs", "root"], TestFiles.Tree(Temp.Path).Where(p => !p.Contains('/')));
        return e;
    }

    [Theory]
    [InlineData("../escape.txt", "contains '..'")]
    [InlineData("a/../../escape.txt", "contains '..'")]
    [InlineData("/etc/escape.txt", "is absolute")]
    [InlineData("./", "may not be named")]
    public void Paths_that_leave_the_snapshot_are_refused(string name, string needle)
    {
        Refused(new RawTar().File("ok.txt", "fine").File(name, "evil").End().ToArray(), ErrorCode.Corrupt, needle);
    }

    [Fact]
    public void A_pax_path_leaving_the_snapshot_is_refused_too()
    {
        Refused(new RawTar().Pax(("path", "../../../../tmp/evil")).File("innocent.txt", "evil").End().ToArray(), ErrorCode.Corrupt, "contains '..'");
    }

    [Theory]
    [InlineData((byte)'S', "old GNU sparse")]
    [InlineData((byte)'D', "type 'D'")]
    public void Member_types_a_snapshot_cannot_hold_are_refused(byte type, string needle)
    {
        Refused(new RawTar().File("ok.txt", "fine").Member("odd", [], type).End().ToArray(), ErrorCode.Unsupported, needle);
    }

    [Theory]
    [InlineData("dir", "/etc", "dir/passwd", "'dir/passwd' lies beneath the symlink 'dir'")]
    [InlineData("root", "/", "root/etc/passwd", "'root/etc/passwd' lies beneath the symlink 'root'")]
    [InlineData("up", "..", "up/escape.txt", "'up/escape.txt' lies beneath the symlink 'up'")]
    [InlineData("loop", ".", "loop/loop/x", "'loop/loop/x' lies beneath the symlink 'loop'")]
    public void A_member_beneath_a_symlink_member_is_refused_by_name(string link, string target, string beneath, string needle)
    {
        Refused(new RawTar().File("ok.txt", "fine").Symlink(link, target).File(beneath, "evil").End().ToArray(), ErrorCode.Corrupt, needle);
        Refused(new RawTar().Symlink(link, target).Directory(beneath + "/").End().ToArray(), ErrorCode.Corrupt, needle);
    }

    [Theory]
    [InlineData("../../etc/passwd", "contains '..'")]
    [InlineData("/etc/passwd", "is absolute")]
    [InlineData("nowhere", "hard link 'h' names 'nowhere', which is no earlier regular file of the archive")]
    [InlineData("later.txt", "hard link 'h' names 'later.txt', which is no earlier regular file of the archive")]
    [InlineData("link", "hard link 'h' names 'link', which is no earlier regular file of the archive")]
    [InlineData("dir", "hard link 'h' names 'dir', which is no earlier regular file of the archive")]
    public void A_hard_link_to_anything_but_an_earlier_regular_file_is_refused(string target, string needle)
    {
        byte[] archive = new RawTar().File("ok.txt", "fine").Symlink("link", "ok.txt").Directory("dir/").HardLink("h", target).File("later.txt", "later").End().ToArray();
        Refused(archive, ErrorCode.Corrupt, needle);
    }

    [Fact]
    public void A_symlink_and_a_file_of_one_name_are_refused()
    {
        Refused(new RawTar().Symlink("x", "/etc/passwd").File("x", "evil").End().ToArray(), ErrorCode.Corrupt, "'x' is in the archive twice");
        Refused(new RawTar().File("d/inner", "x").Symlink("d", "/etc").End().ToArray(), ErrorCode.Corrupt, "'d' is a symbolic link and the directory of earlier members");
    }

    [Theory]
    [InlineData("same.txt", "same.txt", "twice")]
    [InlineData("same.txt", "./same.txt", "twice")]
    [InlineData("a", "a/b", "'a/b' lies beneath 'a', which is a regular file, not a directory")]
    public void Duplicate_and_conflicting_members_are_refused(string first, string second, string needle)
    {
        Refused(new RawTar().File(first, "one").File(second, "two").End().ToArray(), ErrorCode.Corrupt, needle);
    }

    [Fact]
    public void A_bad_checksum_is_refused()
    {
        Refused(new RawTar().File("ok.txt", "fine").Member("bad.txt", "x"u8.ToArray(), badChecksum: true).End().ToArray(), ErrorCode.Corrupt, "checksum does not match");
        Refused(new byte[1024].Select((_, i) => (byte)(i % 251 + 1)).ToArray(), ErrorCode.Corrupt, "not a tar archive");
    }

    [Theory]
    [InlineData(0, "is empty")]
    [InlineData(100, "not a tar archive")]
    [InlineData(512 + 10, "truncated")]
    [InlineData(1024, "truncated")]
    public void A_plain_tar_cut_short_anywhere_is_refused(int keep, string needle)
    {
        byte[] archive = new RawTar().File("a.txt", new string('a', 300)).End().ToArray();
        Refused(archive[..keep], ErrorCode.Corrupt, needle);
    }

    [Fact]
    public void A_size_larger_than_the_data_is_truncation()
    {
        Refused(new RawTar().Member("a.txt", "abc"u8.ToArray(), size: 1 << 20).ToArray(), ErrorCode.Corrupt, "truncated");
    }

    [Fact]
    public void Lying_sparse_maps_are_refused()
    {
        (string, string)[] sparse = [("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0"), ("GNU.sparse.name", "s.img"), ("GNU.sparse.realsize", "4096")];
        byte[] Map(string map, int data) => [.. System.Text.Encoding.ASCII.GetBytes(map), .. new byte[512 - map.Length], .. new byte[data]];
        Refused(new RawTar().Pax(sparse).Member("s", Map("1\n4000\n200\n", 200)).End().ToArray(), ErrorCode.Corrupt, "beyond its size");
        Refused(new RawTar().Pax(sparse).Member("s", Map("2\n100\n100\n50\n10\n", 110)).End().ToArray(), ErrorCode.Corrupt, "overlaps");
        Refused(new RawTar().Pax(sparse).Member("s", Map("1\n0\n100\n", 300)).End().ToArray(), ErrorCode.Corrupt, "lists 100 bytes of data but the member holds 300");
        Refused(new RawTar().Pax(sparse).Member("s", Map("9999999999\n", 0)).End().ToArray(), ErrorCode.Corrupt, "claims 9999999999 regions");
        Refused(new RawTar().Pax(sparse).Member("s", Map("1\nx\n", 0)).End().ToArray(), ErrorCode.Corrupt, "malformed");
        Refused(new RawTar().Pax(("GNU.sparse.major", "0"), ("GNU.sparse.minor", "1"), ("GNU.sparse.map", "0,1")).File("s", "x").End().ToArray(), ErrorCode.Unsupported, "format 0.x");
    }

    [Fact]
    public void Malformed_pax_records_are_refused()
    {
        byte[] Records(string text) => System.Text.Encoding.ASCII.GetBytes(text);
        Refused(new RawTar().Member("PaxHeaders/x", Records("99 path=x\n"), (byte)'x').File("a", "a").End().ToArray(), ErrorCode.Corrupt, "malformed pax");
        Refused(new RawTar().Member("PaxHeaders/x", Records("7 =x\n\n"), (byte)'x').File("a", "a").End().ToArray(), ErrorCode.Corrupt, "pax");
        Refused(new RawTar().Pax(("size", "-5")).File("a", "a").End().ToArray(), ErrorCode.Corrupt, "size=-5");
        Refused(new RawTar().Member("PaxHeaders/x", new byte[2 << 20], (byte)'x').End().ToArray(), ErrorCode.Corrupt, "at most");
        Refused(new RawTar().Pax(("mtime", "1")).End().ToArray(), ErrorCode.Corrupt, "followed by the end of the archive");
    }

    [Fact]
    public void A_plain_tar_needs_a_name_and_version()
    {
        Refused(new RawTar().File("a.txt", "a").End().ToArray(), ErrorCode.InvalidArgument, "has no snapshot.json", name: null, version: null);
    }

    [Fact]
    public void An_export_cut_short_anywhere_is_refused()
    {
        byte[] genuine = GenuineExport();
        foreach (int keep in new[] { 700, 1536, 2048 + 100, genuine.Length - 3000, genuine.Length - 1024 })
        {
            Refused(genuine[..keep], ErrorCode.Corrupt, "truncated");
        }
    }

    [Fact]
    public void An_export_whose_data_was_altered_is_refused_naming_the_file()
    {
        byte[] altered = GenuineExport().ToArray();
        int at = IndexOf(altered, "alpha\n"u8);
        altered[at] = (byte)'A';

        Refused(altered, ErrorCode.Corrupt, "'a.txt' does not match snapshot.json");
    }

    [Fact]
    public void An_export_missing_a_listed_file_or_holding_an_unlisted_one_is_refused()
    {
        string envelope = Envelope(GenuineExport());
        byte[] missing = new RawTar().File("snapshot.json", envelope).File("files/a.txt", "alpha\n").End().ToArray();
        Refused(missing, ErrorCode.Corrupt, "incomplete: 'files/sparse.img'");
        byte[] extra = new RawTar().File("snapshot.json", envelope).File("files/a.txt", "alpha\n").File("files/extra", "x").End().ToArray();
        Refused(extra, ErrorCode.Corrupt, "'files/extra' is not listed in snapshot.json");
        byte[] outside = new RawTar().File("snapshot.json", envelope).File("elsewhere.txt", "x").End().ToArray();
        Refused(outside, ErrorCode.Corrupt, "'elsewhere.txt' is not listed");
    }

    [Theory]
    [InlineData("\"relativePath\":\"a.txt\"", "\"relativePath\":\"../a.txt\"", "contains '..'")]
    [InlineData("\"relativePath\":\"a.txt\"", "\"relativePath\":\"sparse.img\"", "appears more than once")]
    [InlineData("\"formatVersion\": 1", "\"formatVersion\": 2", "format version 2")]
    [InlineData("\"name\": \"app\"", "\"name\": \"App\"", "'App'")]
    [InlineData("\"digest\":\"xxh3:", "\"digest\":\"sha256:", "malformed digest")]
    [InlineData("\"config\": {", "\"config\": 7, \"x\": {", "not a JSON object")]
    [InlineData("\"mediaType\"", "mediaType", "not a valid export envelope")]
    public void A_lying_envelope_is_refused(string find, string replace, string needle)
    {
        string envelope = Envelope(GenuineExport()).Replace(find, replace, StringComparison.Ordinal);
        Assert.Contains(replace, envelope);
        byte[] archive = new RawTar().File("snapshot.json", envelope).End().ToArray();
        Refused(archive, find.Contains("formatVersion", StringComparison.Ordinal) ? ErrorCode.Unsupported : ErrorCode.Corrupt, needle, name: null, version: null);
    }

    [Fact]
    public void Damaged_gzip_is_refused()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new RawTar().File("a.txt", new string('a', 50_000)).End().ToArray());
        }

        byte[] bytes = compressed.ToArray();
        Refused(bytes[..(bytes.Length / 2)], ErrorCode.Corrupt, "");
        bytes[bytes.Length / 2] ^= 0xFF;
        Refused(bytes, ErrorCode.Corrupt, "");
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    /// <summary>The envelope of an export (its first member), as text.</summary>
    private static string Envelope(byte[] export)
    {
        var reader = new TarReader(new MemoryStream(export), "export");
        TarEntry entry = reader.Next()!;
        Assert.Equal("snapshot.json"u8.ToArray(), entry.Member.Name);
        byte[] json = new byte[entry.Size];
        reader.ReadData(json);
        return System.Text.Encoding.UTF8.GetString(json);
    }
}
