namespace Snapshotter.Progress;

/// <summary>
/// Counts work done from many threads and reports it to one callback, never concurrently and at most once
/// per <see cref="MinimumInterval"/>, plus a final report when all work is done.
/// </summary>
internal sealed class ProgressTracker
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(50);

    private readonly Action<ProgressReport>? _sink;
    private readonly TimeProvider _time;
    private readonly long _filesTotal;
    private readonly long _bytesTotal;
    private readonly object _gate = new();
    private long _filesDone;
    private long _bytesDone;
    private long _lastReport;

    public ProgressTracker(Action<ProgressReport>? sink, TimeProvider time, long filesTotal, long bytesTotal)
    {
        _sink = sink;
        _time = time;
        _filesTotal = filesTotal;
        _bytesTotal = bytesTotal;

        // The first report goes out with the first work done: a call that finishes within one interval still
        // reports (and can be cancelled from its callback) mid-way.
        _lastReport = time.GetTimestamp() - (long)(MinimumInterval.TotalSeconds * time.TimestampFrequency);
    }

    public void AddBytes(long bytes)
    {
        Interlocked.Add(ref _bytesDone, bytes);
        MaybeReport();
    }

    /// <summary>Files are finished; <paramref name="remainingBytes"/> are their bytes not reported yet (holes, skipped data).</summary>
    public void FileDone(long remainingBytes, long files = 1)
    {
        Interlocked.Add(ref _bytesDone, remainingBytes);
        Interlocked.Add(ref _filesDone, files);
        MaybeReport();
    }

    public void Complete()
    {
        if (_sink is null)
        {
            return;
        }

        lock (_gate)
        {
            _sink(Current);
        }
    }

    private ProgressReport Current => new(Interlocked.Read(ref _filesDone), _filesTotal, Interlocked.Read(ref _bytesDone), _bytesTotal);

    private void MaybeReport()
    {
        if (_sink is null || _time.GetElapsedTime(Interlocked.Read(ref _lastReport)) < MinimumInterval || !Monitor.TryEnter(_gate))
        {
            return;
        }

        try
        {
            if (_time.GetElapsedTime(_lastReport) >= MinimumInterval)
            {
                Interlocked.Exchange(ref _lastReport, _time.GetTimestamp());
                _sink(Current);
            }
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }
}
