namespace Snapshotter.Tests.Support;

/// <summary>
/// A clock whose timestamp jumps one second on every read, so rate-limited progress reporting reports on
/// every chunk of work: tests can act from a progress callback deterministically, without sleeping.
/// Wall-clock time (GetUtcNow) is the system's.
/// </summary>
internal sealed class SteppingTimeProvider : TimeProvider
{
    private long _timestamp;

    public override long GetTimestamp() => Interlocked.Add(ref _timestamp, TimestampFrequency);
}
