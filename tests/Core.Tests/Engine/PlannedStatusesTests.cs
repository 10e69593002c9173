using Snapshotter.Engine;
using Snapshotter.IO;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// The statuses a restore's planning keeps by entry index: what was set is read back, what was never set or was removed
/// is refused by the indexer and absent for TryGet, across chunks and from several threads at once.
/// </summary>
public sealed class PlannedStatusesTests
{
    private static FileStatus StatusOf(int i) => new(2049, (ulong)i + 1, 0x81A4, 0, 0, i, 1_000 + i, 2_000 + i, 1, 4096);

    [Fact]
    public void What_is_set_is_read_back_and_what_is_not_is_refused()
    {
        int count = (2 * PlannedStatuses.ChunkEntries) + 3;
        var statuses = new PlannedStatuses(count);
        int[] kept = [0, PlannedStatuses.ChunkEntries - 1, PlannedStatuses.ChunkEntries, count - 1];
        foreach (int i in kept)
        {
            statuses[i] = StatusOf(i);
        }

        foreach (int i in Enumerable.Range(0, count))
        {
            Assert.Equal(kept.Contains(i), statuses.TryGet(i, out FileStatus status));
            Assert.Equal(kept.Contains(i) ? StatusOf(i) : default, status);
        }

        Assert.Throws<InvalidOperationException>(() => statuses[1]);
        Assert.Throws<InvalidOperationException>(() => statuses[count - 2]);
    }

    [Fact]
    public void A_removed_status_is_gone_and_its_chunk_takes_new_ones_again()
    {
        var statuses = new PlannedStatuses(PlannedStatuses.ChunkEntries);
        statuses[3] = StatusOf(3);
        statuses[4] = StatusOf(4);
        statuses[3] = StatusOf(30);

        statuses.Remove(3);
        statuses.Remove(3);
        statuses.Remove(7);

        Assert.False(statuses.TryGet(3, out _));
        Assert.Equal(StatusOf(4), statuses[4]);

        // The chunk's last status removed, the chunk goes; a status set afterwards starts another.
        statuses.Remove(4);
        Assert.False(statuses.TryGet(4, out _));
        statuses[5] = StatusOf(5);
        Assert.Equal(StatusOf(5), statuses[5]);
        Assert.False(statuses.TryGet(4, out _));
    }

    [Fact]
    public void Threads_setting_and_then_removing_their_own_indices_keep_every_other_status()
    {
        const int Count = 20 * PlannedStatuses.ChunkEntries;
        var statuses = new PlannedStatuses(Count);
        Parallel.For(0, Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => statuses[i] = StatusOf(i));
        Parallel.For(0, Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (i % 3 != 0)
            {
                statuses.Remove(i);
            }
        });

        Assert.All(Enumerable.Range(0, Count), i => Assert.Equal(i % 3 == 0, statuses.TryGet(i, out FileStatus status) && status == StatusOf(i)));
    }
}
