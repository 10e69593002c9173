using Snapshotter.Hashing;
using Snapshotter.Metadata;

namespace Snapshotter.Gc;

/// <summary>
/// Decides what a collection evicts, without touching the store: whole snapshots, least recently used first
/// (then oldest, then lowest id), never a pinned one nor one used within the minimum retention. A snapshot
/// goes when a policy names it (older than the newest N versions of its name, unused for longer than the
/// maximum age) or while a pressure policy that was in force at the start still holds (disk usage not yet
/// below the low watermark, store content above the maximum size), each eviction lowering the projected
/// usage by the content it frees.
/// </summary>
internal static class GcPlanner
{
    /// <summary>The next batch (at most <see cref="GcOptions.BatchSize"/> evictions), removed from <paramref name="inventory"/>.</summary>
    public static List<PlannedEviction> NextBatch(GcInventory inventory, DiskUsage usage, long nowNs, GcOptions options, GcTriggers triggers)
    {
        long retentionCutoffNs = nowNs - options.MinRetention.Ticks * TimeSpan.NanosecondsPerTick;
        long maxAgeCutoffNs = nowNs - options.MaxAge.Ticks * TimeSpan.NanosecondsPerTick;
        HashSet<long> beyondKeepLast = BeyondKeepLast(inventory, options.KeepLastVersions);
        List<SnapshotUsage> candidates = inventory.Snapshots
            .Where(s => !s.Pinned && s.LastUsedNs <= retentionCutoffNs)
            .OrderBy(s => s.LastUsedNs)
            .ThenBy(s => s.CreatedNs)
            .ThenBy(s => s.Id)
            .ToList();

        var batch = new List<PlannedEviction>();
        DiskUsage projected = usage;
        foreach (SnapshotUsage snapshot in candidates)
        {
            if (batch.Count == options.BatchSize)
            {
                break;
            }

            EvictionReason? reason =
                beyondKeepLast.Contains(snapshot.Id) ? EvictionReason.KeepLast
                : options.MaxAge > TimeSpan.Zero && snapshot.LastUsedNs <= maxAgeCutoffNs ? EvictionReason.MaxAge
                : triggers.DiskUsage && projected.UsedPercent >= options.LowWatermarkPercent ? EvictionReason.DiskUsage
                : triggers.StoreSize && inventory.StoreBytes > options.MaxStoreBytes ? EvictionReason.StoreSize
                : null;
            if (reason is not { } why)
            {
                continue;
            }

            List<(Digest Digest, long Bytes)> freed = inventory.Remove(snapshot);
            var eviction = new PlannedEviction(snapshot, why, freed);
            projected = projected.Freed(eviction.FreedBytes);
            batch.Add(eviction);
        }

        return batch;
    }

    /// <summary>The ids of snapshots beyond the newest <paramref name="keep"/> versions (by creation) of their name.</summary>
    private static HashSet<long> BeyondKeepLast(GcInventory inventory, int keep)
    {
        if (keep <= 0)
        {
            return [];
        }

        return inventory.Snapshots
            .GroupBy(s => s.Name, StringComparer.Ordinal)
            .SelectMany(versions => versions.OrderByDescending(s => s.CreatedNs).ThenByDescending(s => s.Id).Skip(keep))
            .Select(s => s.Id)
            .ToHashSet();
    }
}
