using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;

namespace Snapshotter.Engine;

/// <summary>
/// An open store: the object behind a snapshotter handle. Safe for concurrent calls. <see cref="Dispose"/>
/// cancels the calls in flight, waits for them to return (with <see cref="ErrorCode.Closed"/>), then
/// releases everything; calls made afterwards fail with <see cref="ErrorCode.Closed"/>.
/// </summary>
public sealed class SnapshotEngine : IDisposable
{
    private readonly EngineContext _context;
    private readonly CancellationTokenSource _closing = new();
    private readonly object _gate = new();
    private int _inFlight;
    private bool _closed;

    private SnapshotEngine(EngineContext context, string rootDir)
    {
        _context = context;
        RootDir = rootDir;
    }

    public string RootDir { get; }

    public static SnapshotEngine Open(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            if (string.IsNullOrEmpty(options.RootDir))
            {
                throw SnapshotterException.InvalidArgument("root_dir is required");
            }

            if (options.Concurrency is < 1 or > EngineOptions.MaxConcurrency)
            {
                throw SnapshotterException.InvalidArgument($"concurrency {options.Concurrency} is out of range 1..{EngineOptions.MaxConcurrency}");
            }

            UnixPath.CreateDirectories(options.RootDir);
            string rootDir = UnixPath.RealPath(options.RootDir);
            string metadataDir = Path.Join(rootDir, "metadata");
            UnixPath.CreateDirectories(metadataDir);
            var context = new EngineContext(new ContentStore(rootDir), MetadataStore.Open(metadataDir), options.Time, options.Concurrency);
            return new SnapshotEngine(context, rootDir);
        }
        catch (Exception e)
        {
            throw Failure.Translate(e, $"open '{options.RootDir}'", closing: false);
        }
    }

    public OperationStats Snapshot(SnapshotRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"snapshot '{request.Name}:{request.Version}'", cancellation, token => new SnapshotOperation(_context, request, token).Run());
    }

    public OperationStats Restore(RestoreRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Run($"restore '{request.Name}:{request.Version}'", cancellation, token => new RestoreOperation(_context, request, token).Run());
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            _closing.Cancel();
            while (_inFlight > 0)
            {
                Monitor.Wait(_gate);
            }
        }

        _closing.Dispose();
    }

    private T Run<T>(string operation, CancellationToken cancellation, Func<CancellationToken, T> body)
    {
        lock (_gate)
        {
            if (_closed)
            {
                throw new SnapshotterException(ErrorCode.Closed, $"{operation}: the handle is closed");
            }

            _inFlight++;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _closing.Token);
            return body(linked.Token);
        }
        catch (Exception e)
        {
            throw Failure.Translate(e, operation, _closing.IsCancellationRequested);
        }
        finally
        {
            lock (_gate)
            {
                if (--_inFlight == 0)
                {
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }
}
