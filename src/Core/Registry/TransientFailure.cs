using Snapshotter.Errors;

namespace Snapshotter.Registry;

/// <summary>
/// A failure worth another attempt: a connection error, a timeout, 408, 429 or 5xx. Thrown by one exchange and
/// caught by the retry loop, which turns the last one into the caller's error once it gives up.
/// </summary>
internal sealed class TransientFailure : Exception
{
    public TransientFailure(ErrorCode code, string message, TimeSpan? retryAfter = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        RetryAfter = retryAfter;
    }

    /// <summary>What the caller gets when retries run out: UNAVAILABLE or TIMEOUT.</summary>
    public ErrorCode Code { get; }

    public TimeSpan? RetryAfter { get; }

    public SnapshotterException GiveUp(string reason) => new(Code, $"{Message} (gave up {reason})", InnerException);
}
