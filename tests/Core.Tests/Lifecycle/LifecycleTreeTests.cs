using System.Security.Cryptography;
using System.Text;
using Snapshotter.Engine;
using Snapshotter.Hashing;
using Snapshotter.Lifecycle;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Lifecycle;

/// <summary>
/// Commits of whole trees through real overlay mounts (as root): what a committed snapshot records is every entry its
/// mounted view shows (directories, symlinks, hardlink groups, FIFOs, devices, extended attributes, setuid bits), after
/// an active added entries, changed their types, deleted them (whiteouts) and made a directory opaque over a parent
/// holding entries of every type. The view is listed by python3 (tests/tree), the records by the store.
/// </summary>
public sealed class LifecycleTreeTests : EngineTestBase
{
    private LifecycleSnapshots Lifecycle => new(Engine);

    private int _mounts;

    private int _decoded;

    private void PrepareChangeCommit(string key, string? parent, string name, Action<string> change)
    {
        using (var mounted = new MountedSnapshot(Lifecycle.Prepare(key, parent), Temp.Combine($"mnt{_mounts++}")))
        {
            change(mounted.Target);
        }

        Lifecycle.Commit(name, key);
    }

    /// <summary>The listing of what a view of <paramref name="key"/> shows.</summary>
    private List<string> ViewListing(string key)
    {
        string view = $"view of {key}";
        try
        {
            using var mounted = new MountedSnapshot(Lifecycle.View(view, key), Temp.Combine($"mnt{_mounts++}"));
            return TreeListing.Of(mounted.Target).Select(e => e.ToString()).ToList();
        }
        finally
        {
            Lifecycle.Remove(view);
        }
    }

    /// <summary>What tests/tree/compare.py finds between a view of <paramref name="key"/> and the committed snapshot's
    /// restore (but allocated blocks).</summary>
    private string RestoreDifferences(string key)
    {
        LifecycleInfo info = Lifecycle.Stat(key);
        string output = Temp.Combine($"restored{_mounts}");
        Engine.Restore(new RestoreRequest { Name = info.SnapshotName!, Version = info.SnapshotVersion!, OutputDir = output });
        string view = $"view of {key}";
        try
        {
            using var mounted = new MountedSnapshot(Lifecycle.View(view, key), Temp.Combine($"mnt{_mounts++}"));
            // A file overlayfs copied up carries its own trusted.overlay.* attributes, which can take a block of
            // their own on disk that the snapshot rightly leaves out: allocated blocks are no difference here.
            return string.Join('\n', TreeListing.Differences(mounted.Target, output).Split('\n').Where(l => !l.Contains(": allocated blocks: ", StringComparison.Ordinal)));
        }
        finally
        {
            Lifecycle.Remove(view);
        }
    }

    /// <summary>The listing of what the store records for <paramref name="key"/>, in the view's form: content by the
    /// SHA-256 of the stored bytes, a hardlink as a regular file with the other paths of its group.</summary>
    private List<string> RecordedListing(string key)
    {
        LifecycleInfo info = Lifecycle.Stat(key);
        SnapshotRecord snapshot = Engine.Context.Metadata.FindCommitted(info.SnapshotName!, info.SnapshotVersion!)!;
        List<FileRecord> files = Engine.Context.Metadata.GetFiles(snapshot.Id);
        Dictionary<string, string[]> groups = files
            .Where(f => f.HasContent)
            .GroupBy(f => f.Type == EntryType.Hardlink ? f.LinkTarget! : f.RelativePath, StringComparer.Ordinal)
            .SelectMany(g => g.Select(f => (f.RelativePath, Others: g.Select(o => o.RelativePath).Where(p => p != f.RelativePath).ToArray())))
            .ToDictionary(p => p.RelativePath, p => p.Others, StringComparer.Ordinal);
        return files.Select(f =>
        {
            bool content = f.HasContent;
            char type = content ? '0' : (char)('0' + (int)f.Type);
            string sha = content ? StoredSha256(f.ContentDigest) : "-";
            byte[] link = f.Type == EntryType.Symlink ? Encoding.UTF8.GetBytes(f.LinkTarget!) : [];
            var entry = new TreeListing.Entry(
                Encoding.UTF8.GetBytes(f.RelativePath), type, f.Mode, f.Uid, f.Gid, f.ModificationTimeNs, f.Size, sha, link, f.DeviceMajor, f.DeviceMinor,
                f.Type == EntryType.Symlink ? [] : f.Xattrs?.Entries.Select(x => new KeyValuePair<string, byte[]>(x.Key, x.Value)).ToList() ?? [],
                content ? groups[f.RelativePath].Select(Encoding.UTF8.GetBytes).ToList() : []);
            return entry.ToString();
        }).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The SHA-256 of the bytes stored as <paramref name="digest"/>, decoded from the store's SPF1 form.</summary>
    private string StoredSha256(Digest digest)
    {
        string decoded = Temp.Combine($"decoded{_decoded++}");
        LibrarySpf1.DecodeFile(Engine.Context.Store.ContentPath(digest), decoded, digest);
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(decoded)));
    }

    private static void Write(string root, string relative, string text)
    {
        string path = Path.Join(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static void Xattr(string root, string relative, string name, string value) =>
        TestFiles.SetXattr(Path.Join(root, relative), name, Encoding.UTF8.GetBytes(value));

    /// <summary>The parent: every entry type, extended attributes, a hardlink group, setuid, an empty directory.</summary>
    private static void MakeParent(string root)
    {
        Write(root, "d/a.txt", "a");
        Directory.CreateDirectory(Path.Join(root, "d/sub"));
        TestFiles.SetMode(Path.Join(root, "d"), 0x1E8); // 0750
        Xattr(root, "d", "user.tag", "dir");
        Directory.CreateDirectory(Path.Join(root, "empty"));
        TestFiles.SetMode(Path.Join(root, "empty"), 0x1C0); // 0700
        File.CreateSymbolicLink(Path.Join(root, "link"), "d/a.txt");
        File.CreateSymbolicLink(Path.Join(root, "dangling"), "../nowhere");
        TestFiles.MakeFifo(Path.Join(root, "fifo"));
        Write(root, "x.txt", "x");
        Xattr(root, "x.txt", "user.color", "blue");
        Write(root, "h1", "linked");
        TestFiles.HardLink(Path.Join(root, "h1"), Path.Join(root, "h2"));
        TestFiles.HardLink(Path.Join(root, "h1"), Path.Join(root, "h3"));
        Write(root, "tofile/inner.txt", "inner");
        Write(root, "tolink.txt", "to be a link");
        Write(root, "gone/deep/g.txt", "gone");
        Write(root, "opaque/old.txt", "old");
        Write(root, "suid", "#!/bin/sh\n");
        TestFiles.SetMode(Path.Join(root, "suid"), 0x9ED); // 04755
    }

    [Fact]
    public void CommitRecordsTheWholeTreeItsViewShows()
    {
        PrepareChangeCommit("base", null, "P0", MakeParent);
        Assert.Equal(ViewListing("P0"), RecordedListing("P0"));
        Assert.Contains(Engine.Context.Metadata.GetFiles(Engine.Context.Metadata.FindCommitted(Lifecycle.Stat("P0").SnapshotName!, Lifecycle.Stat("P0").SnapshotVersion!)!.Id),
            f => f is { RelativePath: "h2", Type: EntryType.Hardlink, LinkTarget: "h1" });

        PrepareChangeCommit("work", "P0", "P1", root =>
        {
            Directory.CreateDirectory(Path.Join(root, "new/dir"));
            File.CreateSymbolicLink(Path.Join(root, "new/link"), "../x.txt");
            TestFiles.MakeFifo(Path.Join(root, "new/fifo"));
            Tools.Run("mknod", Path.Join(root, "new/null"), "c", "1", "3");
            Write(root, "n1", "new link");
            Xattr(root, "n1", "user.new", "yes");
            TestFiles.HardLink(Path.Join(root, "n1"), Path.Join(root, "n2"));
            File.Delete(Path.Join(root, "tolink.txt"));
            File.CreateSymbolicLink(Path.Join(root, "tolink.txt"), "x.txt");
            Directory.Delete(Path.Join(root, "tofile"), recursive: true);
            Write(root, "tofile", "now a file");
            Directory.Delete(Path.Join(root, "gone"), recursive: true);
            Directory.Delete(Path.Join(root, "opaque"), recursive: true);
            Write(root, "opaque/new.txt", "new");
            File.Delete(Path.Join(root, "h1"));
            Xattr(root, "d/a.txt", "user.changed", "after");
            TestFiles.SetMode(Path.Join(root, "empty"), 0x1C9); // 0711
            File.Delete(Path.Join(root, "fifo"));
        });

        List<string> view = ViewListing("P1");
        Assert.Equal(view, RecordedListing("P1"));
        Assert.Equal("", RestoreDifferences("P1"));
        Assert.Equal("", RestoreDifferences("P0"));
        List<FileRecord> p1 = Engine.Context.Metadata.GetFiles(Engine.Context.Metadata.FindCommitted(Lifecycle.Stat("P1").SnapshotName!, Lifecycle.Stat("P1").SnapshotVersion!)!.Id);
        Assert.DoesNotContain(p1, f => f.RelativePath is "gone" or "fifo" || f.RelativePath.StartsWith("gone/", StringComparison.Ordinal) || f.RelativePath == "opaque/old.txt");
        Assert.DoesNotContain(p1, f => f.Type == EntryType.CharacterDevice && f.DeviceMajor == 0 && f.DeviceMinor == 0);
        Assert.Contains(p1, f => f is { RelativePath: "new/null", Type: EntryType.CharacterDevice, DeviceMajor: 1, DeviceMinor: 3 });
        Assert.Contains(p1, f => f is { RelativePath: "h2", Type: EntryType.Regular });
        Assert.Contains(p1, f => f is { RelativePath: "h3", Type: EntryType.Hardlink, LinkTarget: "h2" });
        Assert.Contains(p1, f => f is { RelativePath: "n2", Type: EntryType.Hardlink, LinkTarget: "n1" });
        Assert.All(p1, f => Assert.DoesNotContain(f.Xattrs?.Entries ?? [], x => x.Key.StartsWith("trusted.overlay.", StringComparison.Ordinal)));
        foreach (string key in new[] { "P0", "P1" })
        {
            RecordedAsInDatabase.Check(Engine, Lifecycle.Stat(key).SnapshotName!, Lifecycle.Stat(key).SnapshotVersion!);
        }
    }
}
