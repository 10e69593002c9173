namespace Snapshotter.Diagnostics;

/// <summary>
/// The process's one log sink, for what no call can return: failures of background work and clean-ups a call
/// could not finish. Messages of the sink's level and the more important ones (lower values) reach it, from any
/// thread, possibly several at once. Replacing the sink waits for the messages being written to the old one, so
/// whoever installed it may release what it uses once <see cref="SetSink"/> returns.
/// </summary>
public static class LibraryLog
{
    // Writers hold the read side, so that they run concurrently; replacing the sink takes the write side.
    // Recursion: a sink may call into the library, which may log again on the same thread.
    private static readonly ReaderWriterLockSlim Gate = new(LockRecursionPolicy.SupportsRecursion);
    private static Action<LogLevel, string>? _sink;
    private static volatile LogLevel _level;

    /// <summary>Whether a message of <paramref name="level"/> would reach a sink: check before building a costly message.</summary>
    public static bool IsEnabled(LogLevel level) => level != LogLevel.None && level <= _level;

    /// <summary>Installs <paramref name="sink"/> for <paramref name="level"/> and the levels above it; null or
    /// <see cref="LogLevel.None"/> turns logging off. Returns once no write to the previous sink is in progress.</summary>
    /// <exception cref="InvalidOperationException">Called from inside a sink, which would wait for itself.</exception>
    public static void SetSink(LogLevel level, Action<LogLevel, string>? sink)
    {
        if (level is < LogLevel.None or > LogLevel.Debug)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "not a log level");
        }

        if (Gate.IsReadLockHeld)
        {
            throw new InvalidOperationException("the log sink cannot be replaced from inside the log sink");
        }

        Gate.EnterWriteLock();
        try
        {
            _sink = level == LogLevel.None ? null : sink;
            _level = sink is null ? LogLevel.None : level;
        }
        finally
        {
            Gate.ExitWriteLock();
        }
    }

    /// <summary>Hands <paramref name="message"/> to the sink when its level is enabled. Never throws: what a message
    /// reports on must not fail because reporting failed.</summary>
    public static void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        Gate.EnterReadLock();
        try
        {
            if (IsEnabled(level))
            {
                _sink?.Invoke(level, message);
            }
        }
        catch (Exception)
        {
            // A sink that throws loses its message; the operation that logged goes on.
        }
        finally
        {
            Gate.ExitReadLock();
        }
    }
}
