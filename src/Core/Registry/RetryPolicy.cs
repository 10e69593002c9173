namespace Snapshotter.Registry;

/// <summary>
/// When to try a failed request again: up to <see cref="MaxAttempts"/> attempts and never beyond
/// <see cref="TimeLimit"/> in all, waiting exponentially longer with jitter between attempts, or exactly as long
/// as the registry asked (Retry-After) when it did.
/// </summary>
internal sealed class RetryPolicy
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    public RetryPolicy(int maxAttempts, TimeSpan timeLimit, TimeSpan baseDelay)
    {
        MaxAttempts = maxAttempts;
        TimeLimit = timeLimit;
        BaseDelay = baseDelay;
    }

    public int MaxAttempts { get; }

    public TimeSpan TimeLimit { get; }

    public TimeSpan BaseDelay { get; }

    /// <summary>
    /// The wait before attempt <paramref name="failedAttempts"/> + 1, or null to give up (with the reason):
    /// attempts are used up, or the wait would end beyond the time limit.
    /// </summary>
    public TimeSpan? NextDelay(int failedAttempts, TimeSpan? retryAfter, TimeSpan elapsed, out string? reason)
    {
        reason = null;
        if (failedAttempts >= MaxAttempts)
        {
            reason = $"after {failedAttempts} attempt(s)";
            return null;
        }

        TimeSpan delay = retryAfter ?? Backoff(failedAttempts);
        if (elapsed + delay > TimeLimit)
        {
            reason = retryAfter is { } asked
                ? $"after {failedAttempts} attempt(s): the registry asked to retry after {asked.TotalSeconds:0.###} s, beyond the retry time limit of {TimeLimit.TotalSeconds:0.###} s"
                : $"after {failedAttempts} attempt(s) in {elapsed.TotalSeconds:0.###} s (retry time limit {TimeLimit.TotalSeconds:0.###} s)";
            return null;
        }

        return delay;
    }

    /// <summary>Half of the doubled delay for sure, the other half at random ("equal jitter"), so clients that
    /// failed together do not come back together.</summary>
    private TimeSpan Backoff(int failedAttempts)
    {
        double ceiling = Math.Min(MaxBackoff.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, failedAttempts - 1));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }
}
