namespace Snapshotter.Diagnostics;

/// <summary>How much a log message matters; the values are the header's snapshotter_log_level.</summary>
public enum LogLevel
{
    /// <summary>Logging off: no message has this level.</summary>
    None = 0,

    /// <summary>Something failed that no call returns, such as a background collection.</summary>
    Error = 1,

    /// <summary>A call succeeded but left something for a later open or collection to clean up.</summary>
    Warning = 2,

    /// <summary>What background work did.</summary>
    Info = 3,

    /// <summary>Detail, such as background collections that found nothing to do.</summary>
    Debug = 4,
}
