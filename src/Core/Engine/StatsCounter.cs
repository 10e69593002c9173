namespace Snapshotter.Engine;

/// <summary>Thread-safe counters behind an <see cref="OperationStats"/>.</summary>
internal sealed class StatsCounter
{
    private long _bytesRead;
    private long _bytesWritten;
    private long _filesReused;
    private long _filesLinked;
    private long _filesRemoved;

    public void Read(long bytes) => Interlocked.Add(ref _bytesRead, bytes);

    public void Wrote(long bytes) => Interlocked.Add(ref _bytesWritten, bytes);

    public void Reused() => Interlocked.Increment(ref _filesReused);

    /// <summary>An object counted as written (<see cref="Wrote"/>) turned out stored already when it was placed: its file
    /// reused that content after all.</summary>
    public void FoundStored(long bytes)
    {
        Interlocked.Add(ref _bytesWritten, -bytes);
        Reused();
    }

    public void Linked() => Interlocked.Increment(ref _filesLinked);

    public void Removed(long files) => Interlocked.Add(ref _filesRemoved, files);

    public OperationStats ToStats(long files, long bytes, TimeSpan elapsed) =>
        new(files, bytes, Interlocked.Read(ref _bytesRead), Interlocked.Read(ref _bytesWritten), Interlocked.Read(ref _filesReused), Interlocked.Read(ref _filesLinked), elapsed, Interlocked.Read(ref _filesRemoved));
}
