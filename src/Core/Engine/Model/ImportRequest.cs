using Snapshotter.Progress;

namespace Snapshotter.Engine;

/// <summary>Imports a snapshot from a tar stream (plain or gzip) read from a descriptor, or from an export directory.</summary>
public sealed record ImportRequest
{
    /// <summary>A descriptor open for reading, owned by the caller and never closed here.</summary>
    public int? Descriptor { get; init; }

    /// <summary>Or an export directory (snapshot.json and files/).</summary>
    public string? InputDir { get; init; }

    /// <summary>Import under this name and version instead of the envelope's; required for a tar without snapshot.json.</summary>
    public string? Name { get; init; }

    public string? Version { get; init; }

    public Action<ProgressReport>? Progress { get; init; }

    internal string Source => Descriptor is { } fd ? $"fd {fd}" : $"'{InputDir}'";
}
