using System.Collections.Concurrent;

namespace Snapshotter.Tests.Support;

/// <summary>
/// The system clock, shifted by <see cref="Advance"/>, whose timers (Task.Delay on it: the waits between
/// retries) fire at once and are recorded: retry and token-expiry logic is tested without sleeping and
/// without timing anything.
/// </summary>
internal sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    /// <summary>Every wait asked for, in order.</summary>
    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public override long GetTimestamp() =>
        System.GetTimestamp() + (long)(Interlocked.Read(ref _offsetTicks) * (TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Waits.Enqueue(dueTime);
            dueTime = TimeSpan.Zero;
        }

        return System.CreateTimer(callback, state, dueTime, period);
    }
}
