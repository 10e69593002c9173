using System.Runtime.ExceptionServices;
using Snapshotter.Content;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Engine;

/// <summary>
/// The new content of one snapshot on its way into the store, placed while the snapshot goes on storing. Each object
/// arrives written whole under its temporary name in the snapshot's <see cref="Area"/> (<see cref="ContentStore.Ingest"/>);
/// a placing thread takes what has
/// arrived in batches and, for each batch, pins it (the collector leaves it alone until the commit references it), makes
/// it durable (one syncfs covers the batch and whatever else was written meanwhile), then renames each object into
/// place. A batch waits for <see cref="BatchObjects"/> objects, so that one flush covers many, and is taken as soon
/// as the previous one is placed, so that flushes never queue. <see cref="Complete"/> places the rest and makes the
/// renames, and the read-only inodes linked into storage/snapshot, durable.
///
/// Placing while storing matters for many small files: all the renames into the one content directory used to be a
/// phase of their own, on one thread, after the last file was stored (5 of 19 s for 100,000 files of 512 B, with the
/// second core idle).
/// </summary>
internal sealed class ContentPlacement : IDisposable
{
    /// <summary>Enough objects that a flush is shared by many; few enough that the renames start early.</summary>
    private const int BatchObjects = 1024;

    /// <summary>How many objects may wait to be placed before storing waits for the placing: storing small files outruns
    /// the renames, and at 100,000 files of 512 B tens of thousands waited, with their entries, at the snapshot's peak.</summary>
    private const int MaxPendingObjects = 8 * BatchObjects;

    private readonly Lease _lease;
    private readonly CancellationToken _cancellation;
    private readonly Durability _durability = new();
    private readonly object _gate = new();

    /// <summary>Every object handed over and not placed yet, by digest, with its encoded size: a second file with the same
    /// content finds it here.</summary>
    private readonly Dictionary<Digest, (ulong PendingId, long EncodedSize)> _pending = [];

    /// <summary>Told the encoded size of each object handed over whose rename found the digest's name taken.</summary>
    private readonly Action<long> _foundStored;

    /// <summary>Every object placed that this snapshot made, by a rename that found no object of that name
    /// (<see cref="Created"/>), and every other, whose rename found it there. A file with the same content arriving later
    /// finds it in one of them. Sorted runs of values, 8 bytes an object, where a dictionary took 24-48.</summary>
    private readonly DigestSet _created = new();

    /// <inheritdoc cref="_created"/>
    private readonly DigestSet _found = new();
    private readonly Thread _placer;
    private readonly Lazy<PendingArea> _area;
    private List<Digest> _arrived = [];
    private Task? _flushed;
    private bool _completing;
    private bool _stopping;
    private ExceptionDispatchInfo? _failure;

    /// <param name="foundStored">Called with the encoded size of each object handed over that turned out stored already
    /// when placed (by another writer, or not looked up before: see <see cref="PendingArea.LikelyHasContent"/>).</param>
    public ContentPlacement(ContentStore store, Lease lease, CancellationToken cancellation, Action<long> foundStored)
    {
        _foundStored = foundStored;
        _area = new Lazy<PendingArea>(store.OpenPendingArea, LazyThreadSafetyMode.ExecutionAndPublication);
        _lease = lease;
        _cancellation = cancellation;
        _durability.Track(store.ContentDir);
        _durability.Track(store.SnapshotDir);
        _placer = new Thread(PlaceArrivals) { IsBackground = true, Name = "content placement" };
        _placer.Start();
    }

    /// <summary>Where the snapshot writes its new content (<see cref="ContentStore.Ingest"/>). Made at the first use: a
    /// snapshot that finds all of its content stored changes nothing in the content directory.</summary>
    public PendingArea Area => _area.Value;

    /// <summary>Hands over new content written in <see cref="Area"/> as <paramref name="pendingId"/>, of
    /// <paramref name="encodedSize"/> bytes. Returns false, and drops that copy, when this snapshot already has the digest
    /// on its way or in place. Throws what ended the placing, if something did, so that storing stops.</summary>
    public bool TryAdd(Digest digest, ulong pendingId, long encodedSize)
    {
        lock (_gate)
        {
            _failure?.Throw();
            if (_created.Contains(digest) || _found.Contains(digest) || !_pending.TryAdd(digest, (pendingId, encodedSize)))
            {
                Area.Drop(pendingId);
                return false;
            }

            _arrived.Add(digest);
            if (_arrived.Count >= BatchObjects)
            {
                Monitor.PulseAll(_gate);
            }

            // The placing has whole batches to take meanwhile (at most one is being placed), so this ends.
            while (_pending.Count >= MaxPendingObjects && _failure is null && !_stopping)
            {
                Monitor.Wait(_gate);
            }

            _failure?.Throw();
            return true;
        }
    }

    /// <summary>
    /// Whether this snapshot made the object of <paramref name="digest"/> itself, after pinning it. No removal can have
    /// taken it since: content is removed under the metadata write lock after checking the pins there, so a removal
    /// either came before the pin, and before the rename that found the name free, or saw the pin and left the object.
    /// The commit need not look for such an object again.
    /// </summary>
    public bool Created(Digest digest)
    {
        lock (_gate)
        {
            return _created.Contains(digest);
        }
    }

    /// <summary>Places what is still waiting, then starts making every rename and link durable, which
    /// <see cref="WaitDurable"/> waits for: the flush (a syncfs, several milliseconds even with nothing to write) runs
    /// while the caller prepares its commit. Also called when nothing new was stored: content found stored may have
    /// been placed by another writer that has not made it durable yet.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completing = true;
            Monitor.PulseAll(_gate);
        }

        _placer.Join();
        _failure?.Throw();
        DisposeArea();
        _flushed = Task.Factory.StartNew(_durability.Flush, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Returns once what <see cref="Complete"/> placed and found is durable, or throws why it could not be made
    /// so. Nothing may reference that content in a commit or a catalog before.</summary>
    public void WaitDurable() =>
        (_flushed ?? throw new InvalidOperationException("content is made durable once the placement is complete")).GetAwaiter().GetResult();

    /// <summary>Stops placing and removes the area with the copies not placed. What was placed stays: it is pinned until
    /// the lease ends, then the collector's like any unreferenced content.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _placer.Join();
        DisposeArea();

        // A flush under way when the snapshot failed: let it end before its directories are let go. Its failure, if
        // any, is not this one's: the snapshot has failed already or has waited for it.
        try
        {
            _flushed?.Wait();
        }
        catch (AggregateException)
        {
        }
    }

    private void DisposeArea()
    {
        if (_area.IsValueCreated)
        {
            _area.Value.Dispose();
        }
    }

    private void PlaceArrivals()
    {
        try
        {
            while (NextBatch() is { } batch)
            {
                Place(batch);
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>The next batch to place, once there is a whole one or the snapshot has stored everything; null when
    /// nothing is left or placing must stop.</summary>
    private List<Digest>? NextBatch()
    {
        lock (_gate)
        {
            while (!_stopping && !_completing && _arrived.Count < BatchObjects)
            {
                Monitor.Wait(_gate);
            }

            if (_stopping || _arrived.Count == 0)
            {
                return null;
            }

            List<Digest> batch = _arrived;
            _arrived = [];
            return batch;
        }
    }

    private void Place(List<Digest> batch)
    {
        _lease.PinContent(batch);
        _durability.Flush();
        var created = new List<Digest>(batch.Count);
        var found = new List<Digest>();
        try
        {
            foreach (Digest digest in batch)
            {
                (ulong PendingId, long EncodedSize) pending;
                lock (_gate)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    pending = _pending[digest];
                }

                _cancellation.ThrowIfCancellationRequested();
                if (Area.Place(pending.PendingId, digest))
                {
                    created.Add(digest);
                }
                else
                {
                    found.Add(digest);
                    _foundStored(pending.EncodedSize);
                }
            }
        }
        finally
        {
            // Taken as placed a batch at a time, a run of each set; until then a digest is still pending, where a file
            // with the same content arriving meanwhile finds it.
            lock (_gate)
            {
                _created.AddRange(created);
                _found.AddRange(found);
                foreach (Digest digest in created.Concat(found))
                {
                    _pending.Remove(digest);
                }

                Monitor.PulseAll(_gate);
            }
        }
    }
}
