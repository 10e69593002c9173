using Snapshotter.IO;

namespace Snapshotter.Engine;

/// <summary>
/// The statuses a restore's planning keeps, by entry index: in chunks of <see cref="ChunkEntries"/>, each allocated when
/// one of its entries is first set and dropped when its last is removed. A restore into an empty dir keeps none and
/// allocates nothing; one over an existing tree keeps nearly every file's until its content is compared, at the size of
/// the statuses alone. A concurrent dictionary allocated a node for each (some 140 bytes), which its garbage collections
/// then copied: a fifth of the CPU time of planning an in-place restore of 20,000 files.
/// A pass either sets entries (planning) or removes them (comparing content), from several threads, each at its own
/// indices; reads follow the pass that set them.
/// </summary>
internal sealed class PlannedStatuses(int count)
{
    /// <summary>About 26 KB a chunk: below the 85,000 bytes from which an array goes to the large object heap, whose
    /// allocations here cost a collection of every generation each.</summary>
    public const int ChunkEntries = 256;

    private readonly Chunk?[] _chunks = new Chunk?[(count + ChunkEntries - 1) / ChunkEntries];

    /// <summary>The status kept at <paramref name="index"/>; one never set there, or removed, is a caller's bug, refused.</summary>
    public FileStatus this[int index]
    {
        get => TryGet(index, out FileStatus status) ? status : throw new InvalidOperationException($"no status is kept for entry {index}");
        set
        {
            Chunk chunk = _chunks[index / ChunkEntries] ?? Allocate(index / ChunkEntries);
            ref Entry entry = ref chunk.Entries[index % ChunkEntries];
            if (!entry.IsSet)
            {
                Interlocked.Increment(ref chunk.Kept);
            }

            entry = new Entry(value, IsSet: true);
        }
    }

    public bool TryGet(int index, out FileStatus status)
    {
        Entry entry = _chunks[index / ChunkEntries] is { } chunk ? chunk.Entries[index % ChunkEntries] : default;
        status = entry.Status;
        return entry.IsSet;
    }

    /// <summary>Forgets the status at <paramref name="index"/>, if one is kept; the last of a chunk takes the chunk with it.</summary>
    public void Remove(int index)
    {
        int c = index / ChunkEntries;
        if (_chunks[c] is not { } chunk || !chunk.Entries[index % ChunkEntries].IsSet)
        {
            return;
        }

        chunk.Entries[index % ChunkEntries] = default;
        if (Interlocked.Decrement(ref chunk.Kept) == 0)
        {
            // Only the thread that removed the chunk's last entry gets here; setting one again allocates a new chunk.
            Interlocked.CompareExchange(ref _chunks[c], null, chunk);
        }
    }

    private Chunk Allocate(int c)
    {
        var fresh = new Chunk();
        return Interlocked.CompareExchange(ref _chunks[c], fresh, null) ?? fresh;
    }

    private readonly record struct Entry(FileStatus Status, bool IsSet);

    private sealed class Chunk
    {
        public readonly Entry[] Entries = new Entry[ChunkEntries];

        public int Kept;
    }
}
