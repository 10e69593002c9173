using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.IO;

/// <summary>What a walk reads through a directory's descriptor: names and symlink targets as their bytes, the types.</summary>
public sealed class UnixDirectoryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Names_and_symlink_targets_come_back_byte_for_byte()
    {
        string dir = _temp.CreateDirectory("d");
        Tools.Run("python3", "-c", $"import os; os.symlink(b'../\\xff/x', b'{dir}/l\\xe9'); os.mkfifo(b'{dir}/p'); open(b'{dir}/f', 'w').close()");

        using UnixDirectory directory = UnixDirectory.Open(dir);
        Dictionary<string, UnixDirectory.Entry> entries = directory.ReadEntries().ToDictionary(e => e.Text, StringComparer.Ordinal);

        Assert.Equal(["f", "l\uDCE9", "p"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([(byte)'.', (byte)'.', (byte)'/', 0xFF, (byte)'/', (byte)'x'], PathEncoding.GetBytes(directory.ReadLink(entries["l\uDCE9"])!));
        Assert.True(directory.Stat(entries["l\uDCE9"])!.Value.IsSymlink);
        Assert.True(directory.Stat(entries["p"])!.Value.IsFifo);
        Assert.Null(directory.ReadLink(entries["f"]));
        Assert.True(directory.Stat().IsSameInode(UnixPath.TryStat(dir, followSymlinks: false)!.Value));
    }
}
