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
        Assert.True(File.Exists(dead));

        OwnerLock.RemoveDead(owners);

        Assert.False(File.Exists(dead));
        Assert.False(OwnerLock.AnyDead(owners));
        Assert.False(OwnerLock.IsAlive(owners, "00000000deadbeef"));
        Assert.True(OwnerLock.IsAlive(owners, first.Token));
        Assert.True(OwnerLock.IsAlive(owners, second.Token));
    }

    [Fact]
    public void A_lock_file_appears_under_its_name_only_once_locked_and_goes_with_its_owner()
    {
        string owners = _temp.Combine("owners");
        string token;
        using (OwnerLock owner = OwnerLock.Acquire(owners))
        {
            token = owner.Token;
            Assert.Equal([token + ".lock"], Directory.EnumerateFiles(owners).Select(Path.GetFileName));
            OwnerLock.RemoveDead(owners);
            Assert.True(OwnerLock.IsAlive(owners, token));
        }

        Assert.Empty(Directory.EnumerateFiles(owners));
        Assert.False(OwnerLock.IsAlive(owners, token));
    }

    [Fact]
    public void Dead_owners_lock_files_go_whether_or_not_they_left_records()
    {
        string owners = _temp.Combine("owners");
        using OwnerLock live = OwnerLock.Acquire(owners);
        File.WriteAllText(Path.Join(owners, "00000000deadbeef.lock"), "");
        File.WriteAllText(Path.Join(owners, "00000000deadbeee.lock"), "");
        File.WriteAllText(Path.Join(owners, "notes.lock"), "");

        OwnerLock.RemoveDead(owners);

        Assert.Equal(
            [live.Token + ".lock", "notes.lock"],
            Directory.EnumerateFiles(owners).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(OwnerLock.IsAlive(owners, live.Token));
    }
}
