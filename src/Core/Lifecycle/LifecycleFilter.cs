namespace Snapshotter.Lifecycle;

/// <summary>What a walk keeps; every condition given must hold (an empty filter keeps everything).</summary>
public sealed record LifecycleFilter
{
    public LifecycleKind? Kind { get; init; }

    /// <summary>Only children of this key.</summary>
    public string? Parent { get; init; }

    /// <summary>Only snapshots with this label...</summary>
    public string? LabelKey { get; init; }

    /// <summary>...set to this value (null: any value).</summary>
    public string? LabelValue { get; init; }
}
