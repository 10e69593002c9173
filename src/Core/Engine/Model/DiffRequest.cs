using Snapshotter.Progress;

namespace Snapshotter.Engine;

/// <summary>Compares a snapshot with another snapshot or with a directory (exactly one of the two).</summary>
public sealed record DiffRequest
{
    public required SnapshotReference From { get; init; }

    /// <summary>The second side: another snapshot...</summary>
    public SnapshotReference? To { get; init; }

    /// <summary>...or a directory, walked without following symlinks.</summary>
    public string? Directory { get; init; }

    public Action<ProgressReport>? Progress { get; init; }

    internal string Target => $"'{From}' with '{To?.ToString() ?? Directory}'";
}
