using Snapshotter.IO;
using Snapshotter.Tests.Support;
using Xunit;

namespace Snapshotter.Tests.IO;

public sealed class OwnerLockTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Held_locks_are_alive_and_an_unheld_lock_file_is_a_dead_owner()
    {
        string owners = _temp.Combine("owners");
        using OwnerLock first = OwnerLock.Acquire(owners);
        using OwnerLock second = OwnerLock.Acquire(owners);
        File.WriteAllText(Path.Join(owners, "notes.lock"), "");
        File.WriteAllText(Path.Join(owners, "0123456789abcdef.txt"), "");

        Assert.False(OwnerLock.AnyDead(owners));
        Assert.True(OwnerLock.IsAlive(owners, first.Token));

        string dead = Path.Join(owners, "00000000deadbeef.lock");
        File.WriteAllText(dead, "");
        Assert.True(OwnerLock.AnyDead(owners));
        Assert.True(File.Exists(dead));

        Assert.False(OwnerLock.IsAlive(owners, "00000000deadbeef"));
        Assert.False(File.Exists(dead));
        Assert.False(OwnerLock.AnyDead(owners));
    }
}
