namespace Snapshotter.Engine;

/// <summary>What the walk over a restore target's parent directories found (see <see cref="ParentDirectories"/>).</summary>
internal enum ParentState
{
    /// <summary>Every parent directory exists (inside the output dir).</summary>
    Present,

    /// <summary>Some parent does not exist yet, so neither does the target.</summary>
    Missing,

    /// <summary>A parent path is taken by something that is not a directory.</summary>
    BlockedByFile,
}
