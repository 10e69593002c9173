namespace Snapshotter.Catalogs;

/// <summary>
/// The one place where the engine's blocking calls wait for asynchronous network code. The engine runs on the
/// caller's thread and on dedicated worker threads (never on a synchronization context), so waiting cannot
/// deadlock; the network code itself runs on the thread pool.
/// </summary>
internal static class Blocking
{
    public static T Run<T>(Func<Task<T>> operation) => Task.Run(operation).GetAwaiter().GetResult();

    public static void Run(Func<Task> operation) => Task.Run(operation).GetAwaiter().GetResult();
}
