using Snapshotter.Errors;
using Snapshotter.Hashing;

namespace Snapshotter.Engine;

/// <summary>
/// Commits whose transaction checks, under the metadata write lock, that every digest they reference is still stored.
/// Content a concurrent delete removed after it was found in the store is stored again and the commit retried, a
/// bounded number of times, so such a race never makes the call fail or lose content unless it happens again and again.
/// </summary>
internal static class CommitRetry
{
    /// <summary>Commits tried before content deleted again and again under one makes it fail.</summary>
    public const int MaxAttempts = 3;

    /// <param name="commit">One attempt; returns the digests found missing, none once committed.</param>
    /// <param name="storeAgain">Stores the missing content again before the next attempt.</param>
    /// <param name="during">What was being recorded and what to do about it, for the error: "while X; Y".</param>
    public static void Run(Func<IReadOnlyList<Digest>> commit, Action<IReadOnlyList<Digest>> storeAgain, string during)
    {
        for (int attempt = 1; ; attempt++)
        {
            IReadOnlyList<Digest> missing = commit();
            if (missing.Count == 0)
            {
                return;
            }

            if (attempt == MaxAttempts)
            {
                throw new SnapshotterException(ErrorCode.IO, $"content {missing[0]} was deleted {MaxAttempts} times {during}");
            }

            storeAgain(missing);
        }
    }
}
