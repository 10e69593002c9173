using System.Buffers;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Providers;

namespace Snapshotter.Content;

/// <summary>
/// Shares fetches between the calls of one handle: restores that need the same missing digest at the same time
/// wait for one download instead of each starting its own. The download runs on a thread of its own, detached
/// from every caller, so a caller that is cancelled only stops waiting; the download itself stops when its last
/// waiter has left (nobody wants the content any more) or when the handle closes. Everyone waiting hears of the
/// bytes as they arrive, a late joiner first of those that arrived before it.
/// </summary>
internal sealed class FetchCoordinator : IDisposable
{
    private readonly ContentStore _store;
    private readonly IContentProvider _provider;
    private readonly int _bufferBytes;
    private readonly Dictionary<Digest, Flight> _flights = [];

    /// <summary>Every download still running, joinable or already abandoned (and cleaning up).</summary>
    private readonly HashSet<Flight> _running = [];
    private readonly object _gate = new();
    private bool _disposed;

    public FetchCoordinator(ContentStore store, IContentProvider provider, int bufferBytes)
    {
        _store = store;
        _provider = provider;
        _bufferBytes = bufferBytes;
    }

    /// <summary>
    /// Returns once the content of <paramref name="digest"/> is in the store, fetched (and verified) by this call
    /// or by the one it joined. <paramref name="onBytes"/> hears of every byte received for it.
    /// </summary>
    public void Fetch(Digest digest, Action<long>? onBytes, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        Flight flight;
        long receivedBefore;
        lock (_gate)
        {
            if (_disposed)
            {
                throw new SnapshotterException(ErrorCode.Closed, $"fetch of content {digest}: the handle is closed");
            }

            if (!_flights.TryGetValue(digest, out Flight? existing))
            {
                existing = new Flight(digest);
                _flights.Add(digest, existing);
                _running.Add(existing);
                Flight started = existing;
                existing.Worker = Task.Factory.StartNew(() => Run(started), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }

            flight = existing;
            flight.Waiters++;
            if (onBytes is not null)
            {
                flight.Listeners.Add(onBytes);
            }

            receivedBefore = flight.Received;
        }

        if (receivedBefore > 0)
        {
            onBytes?.Invoke(receivedBefore);
        }

        bool finished = false;
        try
        {
            flight.Finished.Wait(cancellation);
            finished = true;
        }
        finally
        {
            Leave(flight, onBytes, abandon: !finished);
        }

        if (flight.Failure is { } failure)
        {
            // One exception object per waiter: several threads must not rethrow (and so rewrite) the same one.
            throw new SnapshotterException(failure.Code, failure.Message, failure) { OsError = failure.OsError };
        }
    }

    /// <summary>Stops every download and waits until they have cleaned up. Calls must have returned first.</summary>
    public void Dispose()
    {
        Flight[] flights;
        lock (_gate)
        {
            _disposed = true;
            flights = [.. _running];
        }

        foreach (Flight flight in flights)
        {
            flight.Abandon.Cancel();
        }

        Task.WaitAll([.. flights.Select(f => f.Worker!)]);
    }

    private void Run(Flight flight)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(_bufferBytes);
        try
        {
            _store.Fetch(_provider, flight.Digest, buffer, n => Report(flight, n), flight.Abandon.Token);
        }
        catch (Exception e)
        {
            flight.Failure = Failure.Translate(e, $"fetch of content {flight.Digest} from {_provider.Location}", closing: false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (_gate)
            {
                if (_flights.TryGetValue(flight.Digest, out Flight? current) && current == flight)
                {
                    _flights.Remove(flight.Digest);
                }

                _running.Remove(flight);
            }

            flight.Finished.Set();
        }
    }

    private void Report(Flight flight, long bytes)
    {
        Action<long>[] listeners;
        lock (_gate)
        {
            flight.Received += bytes;
            listeners = [.. flight.Listeners];
        }

        foreach (Action<long> listener in listeners)
        {
            listener(bytes);
        }
    }

    /// <summary>A waiter leaves; the last one to leave without the fetch having finished stops it.</summary>
    private void Leave(Flight flight, Action<long>? onBytes, bool abandon)
    {
        bool stop;
        lock (_gate)
        {
            if (onBytes is not null)
            {
                flight.Listeners.Remove(onBytes);
            }

            flight.Waiters--;
            stop = abandon && flight.Waiters == 0;
            if (stop && _flights.TryGetValue(flight.Digest, out Flight? current) && current == flight)
            {
                // A caller arriving from now on starts afresh rather than joining a download being stopped.
                _flights.Remove(flight.Digest);
            }
        }

        if (stop)
        {
            flight.Abandon.Cancel();
        }
    }

    /// <summary>One download of one digest and who waits for it. Guarded by the coordinator's lock, except the
    /// events and <see cref="Failure"/>, which is written before <see cref="Finished"/> is set.</summary>
    private sealed class Flight(Digest digest)
    {
        public Digest Digest { get; } = digest;

        public CancellationTokenSource Abandon { get; } = new();

        public ManualResetEventSlim Finished { get; } = new();

        public List<Action<long>> Listeners { get; } = [];

        public Task? Worker { get; set; }

        public int Waiters { get; set; }

        public long Received { get; set; }

        public SnapshotterException? Failure { get; set; }
    }
}
