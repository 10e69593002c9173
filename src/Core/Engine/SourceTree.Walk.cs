using System.Collections.Concurrent;
using Snapshotter.Diagnostics;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

internal sealed partial class SourceTree
{
    /// <summary>
    /// The walk of one directory spec. One thread goes down the tree, depth first, through directory descriptors: it
    /// reads each directory's names and opens its subdirectories (O_NOFOLLOW: never through a symlink), taking their
    /// status and attributes from the opened descriptor. Everything else a directory holds is handed over, a batch of
    /// names at a time, to worker threads that examine each name relative to the directory's descriptor (statx, the
    /// attributes, a symlink's target): on a walk of an unchanged tree those calls are most of the time, and made by
    /// name in an open directory the kernel looks up one component instead of a whole path. When the workers are behind,
    /// the walking thread examines a batch itself. What is found is returned in an order fixed by the tree: each
    /// directory, then what it holds but its subdirectories (in the order the directory lists them), then each
    /// subdirectory the same way.
    /// </summary>
    private sealed class Walk(SourceTree tree, bool readOnly, int spec, int concurrency)
    {
        /// <summary>Names examined together: a directory of many names is shared among the workers.</summary>
        private const int BatchNames = 256;

        /// <summary>What the walk found or will find, in order: an entry, or a batch whose entries the workers fill in.</summary>
        private readonly List<(Captured? Entry, Batch? Batch)> _found = [];

        /// <summary>Started as batches come, up to <c>concurrency</c>: a directory of a few names needs none.</summary>
        private readonly List<Task> _workers = [];

        /// <summary>Batches waiting for a worker: each holds its directory open, so they are few.</summary>
        private readonly BlockingCollection<Batch> _queue = new(boundedCapacity: 2 * Math.Max(concurrency, 1));

        /// <summary>The first failure, which stops the walk and the workers, as the caller's cancellation does.</summary>
        private readonly FirstFailure _failure = new(tree._cancellation);

        /// <summary>Walks what <paramref name="directory"/> (<paramref name="relative"/>, at <paramref name="resolved"/>)
        /// holds, which the walk then owns and closes.</summary>
        public IReadOnlyCollection<Captured> Run(string relative, string resolved, UnixDirectory directory)
        {
            try
            {
                Visit(relative, resolved, new SharedDirectory(directory));
            }
            catch (Exception e)
            {
                _failure.Record(e);
            }
            finally
            {
                _queue.CompleteAdding();
                Task.WaitAll(_workers);
                _queue.Dispose();
                _failure.Dispose();
            }

            _failure.ThrowIfAny();

            var found = new List<Captured>(_found.Sum(f => f.Batch?.Found.Length ?? 1));
            foreach ((Captured? entry, Batch? batch) in _found)
            {
                if (batch is null)
                {
                    found.Add(entry!);
                    continue;
                }

                foreach (Captured? examined in batch.Found)
                {
                    // Null for a socket, which is not recorded.
                    if (examined is not null)
                    {
                        found.Add(examined);
                    }
                }
            }

            return found;
        }

        /// <summary>Lists a directory, hands over its names but those of subdirectories, then goes down into each
        /// subdirectory. Releases <paramref name="directory"/> when done.</summary>
        private void Visit(string relative, string resolved, SharedDirectory directory)
        {
            try
            {
                var subdirectories = new List<(UnixDirectory.Entry Entry, string Relative)>();
                var names = new List<(UnixDirectory.Entry Entry, string Relative)>();
                foreach (UnixDirectory.Entry entry in directory.Directory.ReadEntries())
                {
                    _failure.Token.ThrowIfCancellationRequested();
                    string name = entry.Text;
                    string childRelative = RelativePath.Normalize(relative.Length == 0 ? name : $"{relative}/{name}", "a path beneath base_dir");

                    // Taken already by a deeper spec, with everything beneath it.
                    if (tree._entries.ContainsKey(childRelative))
                    {
                        continue;
                    }

                    bool isDirectory = entry.Kind == EntryKind.Directory
                        || (entry.Kind == EntryKind.Unknown && (directory.Directory.Stat(entry) ?? throw Vanished(childRelative, "vanished")).IsDirectory);
                    if (isDirectory)
                    {
                        subdirectories.Add((entry, childRelative));
                        continue;
                    }

                    names.Add((entry, childRelative));
                    if (names.Count == BatchNames)
                    {
                        HandOver(new Batch(directory.Share(), resolved, names));
                        names = [];
                    }
                }

                if (names.Count > 0)
                {
                    HandOver(new Batch(directory.Share(), resolved, names));
                }

                foreach ((UnixDirectory.Entry entry, string childRelative) in subdirectories)
                {
                    _failure.Token.ThrowIfCancellationRequested();
                    UnixDirectory child = directory.Directory.OpenChild(entry) ?? throw Vanished(childRelative, "vanished or stopped being a directory");
                    var shared = new SharedDirectory(child);
                    try
                    {
                        // The status and attributes of the directory opened, not of whatever the name pointed to before.
                        FileStatus status = child.Stat();
                        _found.Add((new Captured(null, EntryOf(childRelative, status, Wrap(child.ReadOwnXattrs(tree._isCaptured)), linkTarget: null), spec), null));
                    }
                    catch
                    {
                        shared.Release();
                        throw;
                    }

                    Visit(childRelative, $"{resolved}/{entry.Text}", shared);
                }
            }
            finally
            {
                directory.Release();
            }
        }

        /// <summary>Queues a batch for the workers, or examines it here when they are behind.</summary>
        private void HandOver(Batch batch)
        {
            _found.Add((null, batch));
            if (_workers.Count < concurrency)
            {
                _workers.Add(Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            }

            if (!_queue.TryAdd(batch))
            {
                try
                {
                    Examine(batch);
                }
                finally
                {
                    batch.Directory.Release();
                }
            }
        }

        private void Work()
        {
            // Every batch is taken, after a failure too, so that each releases its directory.
            foreach (Batch batch in _queue.GetConsumingEnumerable())
            {
                try
                {
                    if (!_failure.Token.IsCancellationRequested)
                    {
                        Examine(batch);
                    }
                }
                catch (Exception e)
                {
                    _failure.Record(e);
                }
                finally
                {
                    batch.Directory.Release();
                }
            }
        }

        /// <summary>What each name of a batch is, examined in its directory. The names are let go once examined: the walk
        /// keeps every batch until it ends, and their names (the bytes read from the directory and their text) were some
        /// 13 MB at 100,000 files, for nothing.</summary>
        private void Examine(Batch batch)
        {
            UnixDirectory directory = batch.Directory.Directory;
            List<(UnixDirectory.Entry Entry, string Relative)> names = batch.TakeNames();
            for (int i = 0; i < names.Count; i++)
            {
                tree._cancellation.ThrowIfCancellationRequested();
                (UnixDirectory.Entry entry, string relative) = names[i];
                FileStatus status = directory.Stat(entry) ?? throw Vanished(relative, "vanished");
                if (status.IsSocket)
                {
                    LibraryLog.Write(LogLevel.Warning, $"snapshot of '{tree._baseDir}': '{PathEncoding.Printable(relative)}' is a socket, which has no content: not recorded");
                    continue;
                }

                if (status.IsDirectory)
                {
                    throw Vanished(relative, "became a directory");
                }

                ExtendedAttributes? xattrs = Wrap(directory.ReadXattrs(entry, batch.Resolved, tree._isCaptured));
                batch.Found[i] = status.IsRegularFile
                    ? new Captured(new SourceFile(relative, batch.Resolved, resolvedName: null, readOnly, status, xattrs), null, spec)
                    : new Captured(null, EntryOf(relative, status, xattrs, status.IsSymlink
                        ? directory.ReadLink(entry) ?? throw Vanished(relative, "vanished or stopped being a symlink")
                        : null), spec);
            }
        }
    }

    /// <summary>Names of one directory to examine (<paramref name="resolved"/> is its real path, shared by the files found
    /// there), and what each was found to be (null for a socket, which is not recorded).</summary>
    private sealed class Batch(SharedDirectory directory, string resolved, List<(UnixDirectory.Entry Entry, string Relative)> names)
    {
        public SharedDirectory Directory { get; } = directory;

        public string Resolved { get; } = resolved;

        private List<(UnixDirectory.Entry Entry, string Relative)>? _names = names;

        public Captured?[] Found { get; } = new Captured?[names.Count];

        /// <summary>The names to examine, handed over once.</summary>
        public List<(UnixDirectory.Entry Entry, string Relative)> TakeNames() =>
            Interlocked.Exchange(ref _names, null) ?? throw new InvalidOperationException("a batch is examined once");
    }

    /// <summary>A directory open for the walk and for every batch of its names: closed by the last to release it.</summary>
    private sealed class SharedDirectory(UnixDirectory directory)
    {
        private int _holders = 1;

        public UnixDirectory Directory { get; } = directory;

        public SharedDirectory Share()
        {
            Interlocked.Increment(ref _holders);
            return this;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                Directory.Dispose();
            }
        }
    }
}
