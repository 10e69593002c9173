namespace Snapshotter.Lifecycle;

/// <summary>containerd's snapshot kinds, with containerd's values (snapshots.Kind).</summary>
public enum LifecycleKind
{
    /// <summary>A read-only snapshot of a committed parent; it cannot be committed.</summary>
    View = 1,

    /// <summary>A writable snapshot over a committed parent (or over nothing), to be committed or removed.</summary>
    Active = 2,

    /// <summary>An active that was committed: read-only, a parent for others.</summary>
    Committed = 3,
}
