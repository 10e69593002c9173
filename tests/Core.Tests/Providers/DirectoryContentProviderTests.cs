using Snapshotter.Engine;
using Snapshotter.Errors;

namespace Snapshotter.Tests.Providers;

/// <summary>The dir: content provider end to end: what snapshots publish, what restores fetch and verify.</summary>
public sealed class DirectoryContentProviderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("snapshotter-provider-");

    private string RootDir => Path.Join(_temp.FullName, "root");

    private string SharedDir => Path.Join(_temp.FullName, "shared");

    private string BaseDir => Path.Join(_temp.FullName, "base");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void Snapshot_publishes_each_object_once_named_as_in_object_storage()
    {
        byte[] data = MakeData(300_000);
        using var engine = Open();
        Snapshot(engine, "v1", ("a.bin", data), ("b.bin", data), ("c.txt", "test content"u8.ToArray()));

        string[] objects = Directory.GetFiles(Path.Join(SharedDir, "xxh3")).Select(Path.GetFileName).Order().ToArray()!;
        string[] local = Directory.GetFiles(Path.Join(RootDir, "storage", "content", "xxh3")).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(local, objects);
        Assert.Contains("5e0ba398f628c5e4", objects);
        foreach (string name in objects)
        {
            Assert.Equal(File.ReadAllBytes(Path.Join(RootDir, "storage", "content", "xxh3", name)), File.ReadAllBytes(Path.Join(SharedDir, "xxh3", name)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Join(SharedDir, "xxh3", name)));
        }

        Assert.Empty(Directory.GetFiles(Path.Join(SharedDir, "xxh3"), ".*"));
    }

    [Fact]
    public void Content_recorded_as_published_is_not_uploaded_again()
    {
        using var engine = Open();
        Snapshot(engine, "v1", ("c.txt", "test content"u8.ToArray()));
        string published = Path.Join(SharedDir, "xxh3", "5e0ba398f628c5e4");
        File.Delete(published);

        Snapshot(engine, "v2", ("c.txt", "test content"u8.ToArray()));

        Assert.False(File.Exists(published));
    }

    [Fact]
    public void Restore_fetches_missing_content_and_verifies_it()
    {
        byte[] data = MakeData(1 << 20);
        using var engine = Open();
        Snapshot(engine, "v1", ("big.bin", data));
        string hex = Directory.GetFiles(Path.Join(SharedDir, "xxh3")).Select(Path.GetFileName).Single()!;
        string local = Path.Join(RootDir, "storage", "content", "xxh3", hex);
        File.Delete(local);

        string output = Path.Join(_temp.FullName, "out");
        engine.Restore(new RestoreRequest { Name = "app", Version = "v1", OutputDir = output });

        Assert.Equal(data, File.ReadAllBytes(Path.Join(output, "big.bin")));
        Assert.True(File.Exists(local));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(RootDir, "storage", "content", "xxh3"), ".*"));
    }

    [Fact]
    public void A_corrupt_object_is_refused_and_nothing_enters_the_store()
    {
        using var engine = Open();
        Snapshot(engine, "v1", ("big.bin", MakeData(100_000)));
        string hex = Directory.GetFiles(Path.Join(SharedDir, "xxh3")).Select(Path.GetFileName).Single()!;
        File.Delete(Path.Join(RootDir, "storage", "content", "xxh3", hex));
        string shared = Path.Join(SharedDir, "xxh3", hex);
        File.SetUnixFileMode(shared, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        byte[] corrupt = File.ReadAllBytes(shared);
        corrupt[^10] ^= 0x40;
        File.WriteAllBytes(shared, corrupt);

        var e = Assert.Throws<SnapshotterException>(() =>
            engine.Restore(new RestoreRequest { Name = "app", Version = "v1", OutputDir = Path.Join(_temp.FullName, "out") }));

        Assert.Equal(ErrorCode.Corrupt, e.Code);
        Assert.Contains("xxh3:" + hex, e.Message);
        Assert.Contains("dir:" + SharedDir, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(RootDir, "storage", "content", "xxh3")));
        Assert.False(File.Exists(Path.Join(_temp.FullName, "out", "big.bin")));
    }

    [Fact]
    public void Content_missing_everywhere_is_not_found_naming_the_digest()
    {
        using var engine = Open();
        Snapshot(engine, "v1", ("c.txt", "test content"u8.ToArray()));
        File.Delete(Path.Join(RootDir, "storage", "content", "xxh3", "5e0ba398f628c5e4"));
        File.Delete(Path.Join(SharedDir, "xxh3", "5e0ba398f628c5e4"));

        var e = Assert.Throws<SnapshotterException>(() => engine.Restore(new RestoreRequest { Name = "app", Version = "v1" }));

        Assert.Equal(ErrorCode.NotFound, e.Code);
        Assert.Contains("xxh3:5e0ba398f628c5e4", e.Message);
    }

    [Fact]
    public void A_relative_content_directory_is_refused()
    {
        var e = Assert.Throws<SnapshotterException>(() =>
            SnapshotEngine.Open(new EngineOptions { RootDir = RootDir, ContentDirectory = "relative/dir" }));

        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        Assert.Contains("relative/dir", e.Message);
    }

    private SnapshotEngine Open() => SnapshotEngine.Open(new EngineOptions { RootDir = RootDir, ContentDirectory = SharedDir });

    private void Snapshot(SnapshotEngine engine, string version, params (string Path, byte[] Bytes)[] files)
    {
        foreach ((string path, byte[] bytes) in files)
        {
            Directory.CreateDirectory(BaseDir);
            File.WriteAllBytes(Path.Join(BaseDir, path), bytes);
        }

        engine.Snapshot(new SnapshotRequest
        {
            Name = "app",
            Version = version,
            BaseDir = BaseDir,
            Files = files.Select(f => new FileSpec(f.Path, ReadOnly: false)).ToList(),
        });
    }

    private static byte[] MakeData(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }
}
