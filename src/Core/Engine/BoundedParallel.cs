namespace Snapshotter.Engine;

/// <summary>
/// Runs a blocking body for each index on at most N threads, the calling thread being one of them. Workers
/// are dedicated threads, not pool threads: file I/O blocks, and a starved thread pool would add workers
/// only slowly. The first real failure cancels the rest and is rethrown in preference to the cancellations
/// it caused.
/// </summary>
internal static class BoundedParallel
{
    public static void For(int count, int concurrency, CancellationToken cancellation, Action<int, CancellationToken> body)
    {
        cancellation.ThrowIfCancellationRequested();
        if (count == 0)
        {
            return;
        }

        using var failure = new FirstFailure(cancellation);
        CancellationToken token = failure.Token;
        int next = -1;

        void Worker()
        {
            try
            {
                while (true)
                {
                    token.ThrowIfCancellationRequested();
                    int index = Interlocked.Increment(ref next);
                    if (index >= count)
                    {
                        return;
                    }

                    body(index, token);
                }
            }
            catch (Exception e)
            {
                failure.Record(e);
            }
        }

        int workers = Math.Clamp(Math.Min(concurrency, count), 1, count);
        var helpers = new Task[workers - 1];
        for (int i = 0; i < helpers.Length; i++)
        {
            helpers[i] = Task.Factory.StartNew(Worker, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        Worker();
        Task.WaitAll(helpers);
        failure.ThrowIfAny();
    }
}
