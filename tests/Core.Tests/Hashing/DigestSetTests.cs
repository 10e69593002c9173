using Snapshotter.Hashing;

namespace Snapshotter.Tests.Hashing;

/// <summary>The set of digests a snapshot keeps of what it placed and pinned, as sorted runs.</summary>
public sealed class DigestSetTests
{
    [Fact]
    public void It_holds_what_a_hash_set_holds_batch_after_batch_in_few_runs()
    {
        var random = new Random(11);
        var set = new DigestSet();
        var expected = new HashSet<ulong>();
        var added = new List<ulong>();
        for (int batch = 0; batch < 300; batch++)
        {
            // Batches of one to a few hundred, with repeats inside a batch and of earlier batches, and the extremes.
            Digest[] digests = [.. Enumerable.Range(0, random.Next(1, 300)).Select(_ => new Digest(random.Next(4) switch
            {
                0 when added.Count > 0 => added[random.Next(added.Count)],
                1 => (ulong)random.Next(64),
                2 => random.Next(2) == 0 ? 0 : ulong.MaxValue,
                _ => (ulong)random.NextInt64() << 1,
            }))];
            set.AddRange(digests);
            expected.UnionWith(digests.Select(d => d.Value));
            added.AddRange(digests.Select(d => d.Value));

            Assert.Equal(expected.Count, set.Count);
            Assert.InRange(set.Runs, 1, 2 * Math.Log2(expected.Count) + 2);
        }

        Assert.All(expected, value => Assert.True(set.Contains(new Digest(value))));
        for (int i = 0; i < 10_000; i++)
        {
            ulong value = (ulong)random.NextInt64() | 1;
            Assert.Equal(expected.Contains(value), set.Contains(new Digest(value)));
        }
    }

    [Fact]
    public void An_empty_set_or_batch_holds_nothing()
    {
        var set = new DigestSet();
        set.AddRange([]);

        Assert.Equal(0, set.Count);
        Assert.Equal(0, set.Runs);
        Assert.False(set.Contains(new Digest(0)));
    }
}
