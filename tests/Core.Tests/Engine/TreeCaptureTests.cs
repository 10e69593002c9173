using System.Net.Sockets;
using Snapshotter.Diagnostics;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// A file spec naming a directory captures it and everything beneath it, each entry as what it is: directories with
/// their mode, owner and nanosecond mtime, symlinks with their targets as stored, hardlink groups, FIFOs, devices,
/// extended attributes, special mode bits. What cannot be captured whole fails the call naming it.
/// </summary>
public sealed class TreeCaptureTests : EngineTestBase
{
    private const long Mtime = 1_650_000_000_123_456_789;

    private Dictionary<string, FileRecord> Recorded(string name, string version)
    {
        MetadataStore metadata = MetadataStore.Open(Path.Join(RootDir, "metadata"));
        return metadata.GetFiles(metadata.FindCommitted(name, version)!.Id).ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
    }

    private string Dir(string relative, uint mode, long mtimeNs = Mtime)
    {
        string path = Path.Join(BaseDir, relative);
        Directory.CreateDirectory(path);
        TestFiles.SetMode(path, mode);
        TestFiles.SetMtimeNs(path, mtimeNs);
        return path;
    }

    [Fact]
    public void A_directory_spec_captures_every_entry_type_beneath_it()
    {
        Source("tree/data/a.bin", TestFiles.Pattern(3000, 1), mode: 0x1ED);
        Source("tree/data/setuid", "x"u8.ToArray(), mode: 0x9ED);
        TestFiles.HardLink(Path.Join(BaseDir, "tree/data/a.bin"), Path.Join(BaseDir, "tree/other-name"));
        File.CreateSymbolicLink(Path.Join(BaseDir, "tree/rel"), "data/a.bin");
        File.CreateSymbolicLink(Path.Join(BaseDir, "tree/abs"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Join(BaseDir, "tree/dangling"), "../nowhere/at/all");
        File.CreateSymbolicLink(Path.Join(BaseDir, "tree/out"), "../../outside");
        TestFiles.MakeFifo(Path.Join(BaseDir, "tree/pipe"));
        TestFiles.SetXattr(Path.Join(BaseDir, "tree/data/a.bin"), "user.origin", "lab"u8.ToArray());
        Dir("tree/empty", 0x1C0, Mtime + 7);
        Dir("tree/sticky", 0x3FF);
        TestFiles.SetXattr(Dir("tree/data", 0x1E8, Mtime + 1), "user.kind", [0, 1, 2]);
        Dir("tree", 0x1ED, Mtime + 2);

        OperationStats stats = Snapshot("tree", "v1", new FileSpec("tree", false));

        Dictionary<string, FileRecord> files = Recorded("tree", "v1");
        Assert.Equal(
            ["tree", "tree/abs", "tree/dangling", "tree/data", "tree/data/a.bin", "tree/data/setuid", "tree/empty", "tree/other-name", "tree/out", "tree/pipe", "tree/rel", "tree/sticky"],
            files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(12, stats.Files);
        Assert.Equal((EntryType.Directory, 0x1EDu, Mtime + 2, (string?)null), (files["tree"].Type, files["tree"].Mode, files["tree"].ModificationTimeNs, files["tree"].Digest?.ToString()));
        Assert.Equal((EntryType.Directory, 0x1C0u, Mtime + 7), (files["tree/empty"].Type, files["tree/empty"].Mode, files["tree/empty"].ModificationTimeNs));
        Assert.Equal(0x3FFu, files["tree/sticky"].Mode);
        Assert.Equal([0, 1, 2], files["tree/data"].Xattrs!.Entries.Single(x => x.Key == "user.kind").Value);
        Assert.Equal(0x9EDu, files["tree/data/setuid"].Mode);
        Assert.Equal(EntryType.Regular, files["tree/data/a.bin"].Type);
        Assert.Equal("lab"u8.ToArray(), files["tree/data/a.bin"].Xattrs!.Entries.Single(x => x.Key == "user.origin").Value);
        Assert.Equal((EntryType.Hardlink, "tree/data/a.bin"), (files["tree/other-name"].Type, files["tree/other-name"].LinkTarget));
        Assert.Equal(files["tree/data/a.bin"].Digest, files["tree/other-name"].Digest);
        Assert.Equal((EntryType.Symlink, "data/a.bin"), (files["tree/rel"].Type, files["tree/rel"].LinkTarget));
        Assert.Equal("/etc/passwd", files["tree/abs"].LinkTarget);
        Assert.Equal("../nowhere/at/all", files["tree/dangling"].LinkTarget);
        Assert.Equal("../../outside", files["tree/out"].LinkTarget);
        Assert.Equal((EntryType.Fifo, 0x1A4u, 0L), (files["tree/pipe"].Type, files["tree/pipe"].Mode, files["tree/pipe"].Size));
        Assert.All(files.Values.Where(f => !f.HasContent), f => Assert.Null(f.Digest));
    }

    [Fact]
    public void A_wide_and_deep_tree_is_captured_whole_as_an_independent_listing_sees_it()
    {
        // Wider than a batch of names several times over, subdirectories among the files at every level, attributes on
        // files, directories and symlinks' neighbours: whichever thread examines a name, each is recorded as it is.
        const int Wide = 700;
        for (int i = 0; i < Wide; i++)
        {
            string file = Source($"wide/f{i:D4}", TestFiles.Pattern(10 + i, i), mode: i % 3 == 0 ? 0x180u : 0x1A4u);
            if (i % 7 == 0)
            {
                TestFiles.SetXattr(file, "user.index", BitConverter.GetBytes(i));
            }

            if (i % 50 == 0)
            {
                TestFiles.SetXattr(Dir($"wide/d{i:D4}", 0x1E8, Mtime + i), "user.dir", [(byte)(i / 50)]);
                Source($"wide/d{i:D4}/inner/deep.bin", TestFiles.Pattern(100, i));
                File.CreateSymbolicLink(Path.Join(BaseDir, $"wide/d{i:D4}/link"), $"../f{i:D4}");
            }
        }

        Snapshot("wide", "v1", new FileSpec("wide", false));

        Dictionary<string, FileRecord> files = Recorded("wide", "v1");
        List<TreeListing.Entry> expected = TreeListing.Of(Path.Join(BaseDir, "wide"));
        Assert.Equal(expected.Count + 1, files.Count);
        foreach (TreeListing.Entry entry in expected)
        {
            FileRecord record = files["wide/" + System.Text.Encoding.UTF8.GetString(entry.Name)];
            Assert.Equal(
                (entry.Mode & 0xFFF, entry.MtimeNs, entry.Type == '2' ? System.Text.Encoding.UTF8.GetString(entry.Link) : null),
                (record.Mode, record.ModificationTimeNs, record.Type == EntryType.Symlink ? record.LinkTarget : null));
            Assert.Equal(
                entry.Xattrs.Select(x => $"{x.Key}={Convert.ToHexString(x.Value)}").Order(StringComparer.Ordinal),
                (record.Xattrs?.Entries ?? []).Select(x => $"{x.Key}={Convert.ToHexString(x.Value)}").Order(StringComparer.Ordinal));
        }

        Assert.Equal(Wide + (Wide / 50), files.Values.Count(f => f.Type == EntryType.Regular));
    }

    [Fact]
    public void Dot_captures_the_whole_base_dir_and_deeper_specs_decide_how()
    {
        Source("a/keep.bin", TestFiles.Pattern(100, 2));
        Source("a/log", "log"u8.ToArray());
        Source("top", "top"u8.ToArray());

        Snapshot("all", "v1", new FileSpec(".", true), new FileSpec("a/log", false));

        Dictionary<string, FileRecord> files = Recorded("all", "v1");
        Assert.Contains("a", files.Keys);
        Assert.Equal(EntryType.Directory, files["a"].Type);
        Assert.True(files["a/keep.bin"].ReadOnly);
        Assert.True(files["top"].ReadOnly);
        Assert.False(files["a/log"].ReadOnly);
        Assert.DoesNotContain("", files.Keys);
    }

    [Fact]
    public void A_hardlink_group_is_writable_when_one_of_its_paths_is()
    {
        Source("g/one", TestFiles.Pattern(500, 3));
        TestFiles.HardLink(Path.Join(BaseDir, "g/one"), Path.Join(BaseDir, "g/two"));
        TestFiles.HardLink(Path.Join(BaseDir, "g/one"), Path.Join(BaseDir, "three"));

        Snapshot("links", "v1", new FileSpec("g", true), new FileSpec("three", false));

        Dictionary<string, FileRecord> files = Recorded("links", "v1");
        Assert.Equal((EntryType.Regular, false), (files["g/one"].Type, files["g/one"].ReadOnly));
        Assert.Equal((EntryType.Hardlink, "g/one", false), (files["g/two"].Type, files["g/two"].LinkTarget, files["g/two"].ReadOnly));
        Assert.Equal((EntryType.Hardlink, "g/one"), (files["three"].Type, files["three"].LinkTarget));
    }

    [Fact]
    public void Devices_are_captured_with_their_numbers_as_root()
    {
        if (Native.GetEuid() != 0)
        {
            return;
        }

        Directory.CreateDirectory(Path.Join(BaseDir, "dev"));
        Tools.Run("mknod", Path.Join(BaseDir, "dev/null"), "c", "1", "3");
        Tools.Run("mknod", Path.Join(BaseDir, "dev/loop"), "b", "7", "200");
        TestFiles.SetXattr(Path.Join(BaseDir, "dev"), "user.x", [9]);

        Snapshot("dev", "v1", new FileSpec("dev", false));

        Dictionary<string, FileRecord> files = Recorded("dev", "v1");
        Assert.Equal((EntryType.CharacterDevice, 1u, 3u), (files["dev/null"].Type, files["dev/null"].DeviceMajor, files["dev/null"].DeviceMinor));
        Assert.Equal((EntryType.BlockDevice, 7u, 200u), (files["dev/loop"].Type, files["dev/loop"].DeviceMajor, files["dev/loop"].DeviceMinor));
    }

    [Fact]
    public void A_socket_is_skipped_and_logged_never_silently()
    {
        Source("s/file", "f"u8.ToArray());
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Join(BaseDir, "s/sock")));
        var logged = new List<string>();
        LibraryLog.SetSink(LogLevel.Warning, (level, message) =>
        {
            lock (logged)
            {
                logged.Add($"{level} {message}");
            }
        });
        try
        {
            Snapshot("sock", "v1", new FileSpec("s", false));
        }
        finally
        {
            LibraryLog.SetSink(LogLevel.None, null);
        }

        Assert.Equal(["s", "s/file"], Recorded("sock", "v1").Keys.Order(StringComparer.Ordinal));
        Assert.Contains(logged, m => m.Contains("'s/sock' is a socket", StringComparison.Ordinal));
        Expect.Error(ErrorCode.InvalidArgument, () => Snapshot("sock", "v2", new FileSpec("s/sock", false)));
    }

    [Fact]
    public void An_explicit_path_beneath_a_symlink_the_walk_records_is_refused()
    {
        Source("real/f", "f"u8.ToArray());
        File.CreateSymbolicLink(Path.Join(BaseDir, "link"), "real");

        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => Snapshot("mixed", "v1", new FileSpec(".", false), new FileSpec("link/f", false)));

        Assert.Contains("'link/f' lies beneath 'link'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_that_are_not_utf8_are_captured_byte_for_byte()
    {
        Directory.CreateDirectory(Path.Join(BaseDir, "n"));
        Tools.Run("python3", "-c", $"import os; d=b'{BaseDir}/n/'; os.mkdir(d+b'caf\\xe9'); open(d+b'caf\\xe9/\\xff\\xfe.bin','wb').write(b'raw'); os.symlink(b'\\xe9t\\xe9', d+b'l\\xe9')");

        Snapshot("raw", "v1", new FileSpec("n", false));

        Dictionary<string, FileRecord> files = Recorded("raw", "v1");
        Assert.Equal(EntryType.Directory, files["n/caf\uDCE9"].Type);
        Assert.Equal(EntryType.Regular, files["n/caf\uDCE9/\uDCFF\uDCFE.bin"].Type);
        Assert.Equal([0xE9, (byte)'t', 0xE9], PathEncoding.GetBytes(files["n/l\uDCE9"].LinkTarget!));
    }

    [Fact]
    public async Task The_walk_fails_on_an_entry_that_vanishes_naming_it_and_records_nothing()
    {
        for (int i = 0; i < 200; i++)
        {
            Source($"busy/f{i:D3}", [(byte)i]);
        }

        // A writer removing files while the walk runs: either the snapshot sees a consistent listing, or it fails
        // naming a file that vanished; it never records half of a file.
        using var stop = new CancellationTokenSource();
        var remover = Task.Run(() =>
        {
            for (int i = 199; i >= 0 && !stop.IsCancellationRequested; i--)
            {
                File.Delete(Path.Join(BaseDir, $"busy/f{i:D3}"));
            }
        });
        try
        {
            Snapshot("busy", "v1", new FileSpec("busy", false));
            Assert.True(Recorded("busy", "v1").Values.Where(f => f.HasContent).All(f => f.Size == 1));
        }
        catch (SnapshotterException e)
        {
            Assert.Equal(ErrorCode.NotFound, e.Code);
            Assert.Contains("busy/f", e.Message, StringComparison.Ordinal);
            Assert.Null(MetadataStore.Open(Path.Join(RootDir, "metadata")).FindCommitted("busy", "v1"));
        }
        finally
        {
            stop.Cancel();
            await remover.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
