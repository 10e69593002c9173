namespace Snapshotter.Gc;

/// <summary>Why a snapshot was evicted. Values are shared with the C ABI (snapshotter_gc_reason): pinned.</summary>
public enum EvictionReason
{
    /// <summary>The filesystem was at least the high watermark full; evicted until below the low watermark.</summary>
    DiskUsage = 1,

    /// <summary>The store's content exceeded the maximum store size.</summary>
    StoreSize = 2,

    /// <summary>Not used (created or restored) for longer than the maximum age.</summary>
    MaxAge = 3,

    /// <summary>Older than the newest N versions of its name.</summary>
    KeepLast = 4,
}
