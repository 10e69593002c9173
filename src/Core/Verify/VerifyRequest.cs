using Snapshotter.Progress;

namespace Snapshotter.Verify;

public sealed record VerifyRequest
{
    /// <summary>Repair what can be repaired, as each <see cref="VerifyProblemKind"/> says.</summary>
    public bool Repair { get; init; }

    /// <summary>Files are the content and storage/snapshot files re-hashed; bytes their sizes.</summary>
    public Action<ProgressReport>? Progress { get; init; }
}
