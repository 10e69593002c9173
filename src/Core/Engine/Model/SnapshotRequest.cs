using Snapshotter.Metadata;
using Snapshotter.Progress;

namespace Snapshotter.Engine;

public sealed record SnapshotRequest
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string BaseDir { get; init; }

    public required IReadOnlyList<FileSpec> Files { get; init; }

    public Action<ProgressReport>? Progress { get; init; }

    /// <summary>Read every file, taking no digest remembered for an unchanged file on trust (what is read is still
    /// remembered for later snapshots).</summary>
    public bool Rehash { get; init; }

    /// <summary>Record a snapshot of no files when <see cref="Files"/> is empty; without it that is refused, as an empty
    /// list is more often a selection that went wrong than a wish.</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>Files already stored that the snapshot records beside those of <see cref="Files"/> (which replace any
    /// of the same path): what a lifecycle commit keeps of its parent.</summary>
    internal IReadOnlyList<FileRecord> InheritedFiles { get; init; } = [];

    /// <summary>What completes the records of stored and inherited files (ordered by path) into everything the snapshot
    /// records, ordered by path: a lifecycle commit's entries of its layer that are not stored files.</summary>
    internal Func<IReadOnlyList<FileRecord>, IReadOnlyList<FileRecord>>? CompleteRecords { get; init; }

    /// <summary>The active a lifecycle commit turns committed in the snapshot's own commit transaction.</summary>
    internal LifecycleCommit? Lifecycle { get; init; }
}
