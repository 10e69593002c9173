namespace Snapshotter.Hashing;

/// <summary>
/// A set of digests held as sorted runs of their values, 8 bytes a digest. A snapshot keeps sets of every object it placed
/// and pinned, 100,000 of each at 100,000 small files, which as hash sets grown by doubling took 35-50 bytes a digest
/// (8 MB at that size). Digests come in batches: each batch becomes a run, and the last two runs are merged while the
/// older is at most twice the newer, as a binary counter carries, so that there are never more than about log2(n) runs
/// to search. Not thread-safe: its owners lock around it.
/// </summary>
internal sealed class DigestSet
{
    private readonly List<ulong[]> _runs = [];

    public int Count { get; private set; }

    /// <summary>How many sorted runs hold the set (at most about log2 of <see cref="Count"/>).</summary>
    public int Runs => _runs.Count;

    public bool Contains(Digest digest)
    {
        foreach (ulong[] run in _runs)
        {
            if (Array.BinarySearch(run, digest.Value) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds the digests of <paramref name="digests"/> (those in the set already, or repeated, once).</summary>
    public void AddRange(IEnumerable<Digest> digests)
    {
        ulong[] run = [.. digests.Where(d => !Contains(d)).Select(d => d.Value)];
        Array.Sort(run);
        int distinct = 0;
        foreach (ulong value in run)
        {
            if (distinct == 0 || value != run[distinct - 1])
            {
                run[distinct++] = value;
            }
        }

        if (distinct == 0)
        {
            return;
        }

        run = distinct == run.Length ? run : run[..distinct];
        _runs.Add(run);
        Count += run.Length;
        while (_runs.Count >= 2 && _runs[^2].Length <= 2 * _runs[^1].Length)
        {
            _runs[^2] = Merge(_runs[^2], _runs[^1]);
            _runs.RemoveAt(_runs.Count - 1);
        }
    }

    /// <summary>Two sorted runs without a value in common, as one.</summary>
    private static ulong[] Merge(ulong[] first, ulong[] second)
    {
        ulong[] merged = new ulong[first.Length + second.Length];
        int i = 0, j = 0, k = 0;
        while (i < first.Length && j < second.Length)
        {
            merged[k++] = first[i] < second[j] ? first[i++] : second[j++];
        }

        first.AsSpan(i).CopyTo(merged.AsSpan(k));
        second.AsSpan(j).CopyTo(merged.AsSpan(k + first.Length - i));
        return merged;
    }
}
