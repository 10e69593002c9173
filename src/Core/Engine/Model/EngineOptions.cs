using Snapshotter.Dragonfly;
using Snapshotter.Gc;
using Snapshotter.Registry;

namespace Snapshotter.Engine;

/// <summary>How a store is opened (snapshotter_options in the C ABI).</summary>
public sealed record EngineOptions
{
    /// <summary>Files processed at once by one call, as in the Go snapshotter.</summary>
    public const int DefaultConcurrency = 5;

    public const int MaxConcurrency = 256;

    public required string RootDir { get; init; }

    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>
    /// A directory (local or NFS, absolute) holding xxh3/&lt;hex&gt; objects named as in object storage: snapshots
    /// publish their content there and restores fetch what the local store lacks. Null: local store only.
    /// </summary>
    public string? ContentDirectory { get; init; }

    /// <summary>
    /// Content through Dragonfly's P2P network (dfdaemon's persistent tasks over object storage) instead of a
    /// directory: exclusive with <see cref="ContentDirectory"/>. Null: no Dragonfly.
    /// </summary>
    public DragonflyOptions? Dragonfly { get; init; }

    /// <summary>
    /// Where snapshot metadata is published and where restores find snapshots this store has never seen: an
    /// OCI registry or an OCI image layout directory. Null: snapshots stay local.
    /// </summary>
    public RegistryOptions? Registry { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public GcOptions Gc { get; init; } = new();

    /// <summary>Where the collector measures the store's filesystem; null: statfs of the root directory.</summary>
    internal IDiskUsage? DiskUsage { get; init; }
}
