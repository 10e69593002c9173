using Snapshotter.Progress;

namespace Snapshotter.Engine;

/// <summary>Exports a snapshot as a tar stream into a descriptor, or as a directory (exactly one of the two).</summary>
public sealed record ExportRequest
{
    public required SnapshotReference Snapshot { get; init; }

    /// <summary>A descriptor open for writing, owned by the caller and never closed here: the tar stream goes there.</summary>
    public int? Descriptor { get; init; }

    /// <summary>Or a directory (missing or empty): files/ first, snapshot.json written last as the ready marker.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Compress the tar stream with gzip.</summary>
    public bool Gzip { get; init; }

    public Action<ProgressReport>? Progress { get; init; }

    internal string Target => $"'{Snapshot}' to {(Descriptor is { } fd ? $"fd {fd}" : $"'{OutputDir}'")}";
}
