namespace Snapshotter.Engine;

/// <summary>How a path differs from the first side of a diff to the second.</summary>
public enum DiffKind
{
    /// <summary>Only on the second side.</summary>
    Added = 1,

    /// <summary>Only on the first side (the snapshot named first).</summary>
    Removed = 2,

    /// <summary>On both sides, different for the reasons given.</summary>
    Changed = 3,
}
