namespace Snapshotter.Formats;

/// <summary>Times as the store records them: nanoseconds since the Unix epoch.</summary>
internal static class UnixTime
{
    /// <summary>The provider's current time, in nanoseconds since the Unix epoch.</summary>
    public static long GetUnixTimeNs(this TimeProvider time) =>
        (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * TimeSpan.NanosecondsPerTick;
}
