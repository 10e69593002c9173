namespace Snapshotter.Engine;

public sealed record RestoreRequest
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    /// <summary>Where to restore; null only makes sure all content is in the local store.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Replace existing files that differ from the snapshot instead of failing.</summary>
    public bool Overwrite { get; init; }

    public Action<ProgressReport>? Progress { get; init; }
}
