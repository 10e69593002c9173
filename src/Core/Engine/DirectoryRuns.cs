using Snapshotter.IO;
using Snapshotter.Metadata;

namespace Snapshotter.Engine;

/// <summary>
/// A restore's entries, in path order, cut into runs of consecutive entries that share a parent directory, so that a
/// pass over them opens each parent once per run instead of once per entry: an open of the parent beneath the output
/// dir and its close were two of the calls every file cost, on every pass. A run holds at most
/// <see cref="MaxEntries"/> entries, so that the files of one large directory still spread over the threads.
/// </summary>
internal static class DirectoryRuns
{
    public const int MaxEntries = 64;

    /// <summary>The runs of <paramref name="indices"/> (ascending indices into <paramref name="files"/>).</summary>
    public static List<ArraySegment<int>> Of(int[] indices, IReadOnlyList<FileRecord> files)
    {
        var runs = new List<ArraySegment<int>>(indices.Length / MaxEntries + 1);
        int start = 0;
        for (int i = 1; i <= indices.Length; i++)
        {
            if (i == indices.Length || i - start == MaxEntries || !SameDirectory(files[indices[start]].RelativePath, files[indices[i]].RelativePath))
            {
                runs.Add(new ArraySegment<int>(indices, start, i - start));
                start = i;
            }
        }

        return runs;
    }

    /// <summary>
    /// Calls <paramref name="body"/> with each of <paramref name="indices"/> (ascending indices into
    /// <paramref name="files"/>) and its run's <see cref="Parent"/>, the runs spread over at most
    /// <paramref name="concurrency"/> threads (<see cref="BoundedParallel"/>), the entries of a run in order.
    /// </summary>
    public static void ForEach(
        int[] indices,
        IReadOnlyList<FileRecord> files,
        OutputTree tree,
        int concurrency,
        CancellationToken cancellation,
        Action<int, Parent, CancellationToken> body)
    {
        List<ArraySegment<int>> runs = Of(indices, files);
        BoundedParallel.For(runs.Count, concurrency, cancellation, (r, token) =>
        {
            using var parent = new Parent(tree, files[runs[r][0]].RelativePath);
            foreach (int i in runs[r])
            {
                token.ThrowIfCancellationRequested();
                body(i, parent, token);
            }
        });
    }

    private static bool SameDirectory(string a, string b) => DirectoryOf(a).SequenceEqual(DirectoryOf(b));

    private static ReadOnlySpan<char> DirectoryOf(string relativePath) => relativePath.AsSpan(0, Math.Max(relativePath.LastIndexOf('/'), 0));

    /// <summary>
    /// The parent directory of a run's entries, opened beneath the output dir on first use and closed with the run.
    /// Every entry asking for it must lie in that directory; one that does not is a caller's bug, refused.
    /// </summary>
    internal sealed class Parent(OutputTree tree, string relativePathOfFirst) : IDisposable
    {
        private readonly string _directory = RelativePath(relativePathOfFirst);
        private TreeDirectory? _opened;

        /// <summary>The directory of <paramref name="relativePath"/>, an entry of the run.</summary>
        public TreeDirectory Of(string relativePath)
        {
            if (!DirectoryOf(relativePath).SequenceEqual(_directory))
            {
                throw new InvalidOperationException($"'{relativePath}' is not in the run's directory '{_directory}'");
            }

            return _opened ??= tree.OpenDirectory(_directory);
        }

        public void Dispose() => _opened?.Dispose();

        private static string RelativePath(string entry) => DirectoryOf(entry).ToString();
    }
}
