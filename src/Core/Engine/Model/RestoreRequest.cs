using Snapshotter.Errors;
using Snapshotter.Progress;

namespace Snapshotter.Engine;

public sealed record RestoreRequest
{
    /// <summary>The snapshot, given as a name and a version; or see <see cref="Reference"/>.</summary>
    public string? Name { get; init; }

    public string? Version { get; init; }

    /// <summary>The snapshot as a reference (name:version, name@latest, name@time), instead of Name and Version.</summary>
    public SnapshotReference? Reference { get; init; }

    /// <summary>Where to restore; null only makes sure all content is in the local store.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Replace existing files that differ from the snapshot instead of failing.</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// Restore into an existing tree touching only what differs: differing files are replaced (implies
    /// <see cref="Overwrite"/>), files whose content matches but whose mode, owner or mtime differ get only those
    /// set, identical files are left alone.
    /// </summary>
    public bool InPlace { get; init; }

    /// <summary>With <see cref="InPlace"/>: also remove what the output dir holds beyond the snapshot (within
    /// <see cref="Only"/> when given), never following symlinks.</summary>
    public bool DeleteExtra { get; init; }

    /// <summary>Leave out the snapshot's character and block devices instead of failing: only root creates them. Each one
    /// skipped is logged as a warning naming it.</summary>
    public bool SkipDevices { get; init; }

    /// <summary>Read and hash every existing file whose content is compared, taking no remembered digest on trust
    /// (what is read is still remembered), as <see cref="SnapshotRequest.Rehash"/> does for a snapshot.</summary>
    public bool Rehash { get; init; }

    /// <summary>Paths or globs (see Validation.PathPattern): restore only the files they select. Null or empty: all.</summary>
    public IReadOnlyList<string>? Only { get; init; }

    public Action<ProgressReport>? Progress { get; init; }

    /// <summary>Write read-only files as private copies too, never as links of the stored inode (an export
    /// directory must not share inodes with the store it may outlive).</summary>
    internal bool PrivateCopies { get; init; }

    /// <summary>How the caller named the snapshot, for messages.</summary>
    internal string Target => Reference?.ToString() ?? $"{Name}:{Version}";

    /// <summary>The snapshot requested: <see cref="Reference"/>, or Name and Version; both is an invalid argument.</summary>
    internal SnapshotReference Snapshot() =>
        Reference is null ? SnapshotReference.Exact(Name, Version)
        : Name is null && Version is null ? Reference
        : throw SnapshotterException.InvalidArgument($"ref '{Reference}' and {(Name is not null ? "name" : "snapshot_version")} are both given: name the snapshot one way only");
}
