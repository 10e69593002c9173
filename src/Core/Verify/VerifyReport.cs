namespace Snapshotter.Verify;

/// <summary>What a verification checked and found. A store is clean when <see cref="Problems"/> is empty.</summary>
public sealed record VerifyReport
{
    public long SnapshotsChecked { get; init; }

    /// <summary>Content files re-hashed against their names.</summary>
    public long ContentChecked { get; init; }

    /// <summary>storage/snapshot files re-hashed against their names.</summary>
    public long SnapshotFilesChecked { get; init; }

    public long BytesChecked { get; init; }

    /// <summary>Content no snapshot references (files, or records whose files are gone): not a problem, the
    /// collector's to remove once past its grace period.</summary>
    public long UnreferencedContent { get; init; }

    public IReadOnlyList<VerifyProblem> Problems { get; init; } = [];

    /// <summary>Problems still there after the verification (all of them unless it repaired).</summary>
    public long Unrepaired => Problems.Count(p => !p.Repaired);
}
