namespace Snapshotter.Tests.Support;

/// <summary>A wall clock the test sets: creation and last-use times then come out exactly as chosen.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    /// <summary>Sets the clock to an instant given in Unix nanoseconds (rounded down to the clock's 100 ns ticks).</summary>
    public long NowNs
    {
        get => Ns(Now);
        set => Now = DateTimeOffset.UnixEpoch.AddTicks(value / TimeSpan.NanosecondsPerTick);
    }

    public static long Ns(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick;

    public override DateTimeOffset GetUtcNow() => Now;
}
