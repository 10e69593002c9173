using Snapshotter.Content;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Metadata;
using Snapshotter.Progress;

namespace Snapshotter.Engine;

/// <summary>What a restore or an export needs before it reads the store: every file's content there.</summary>
internal static class LocalContent
{
    /// <summary>One entry for each digest the local store lacks (entries without content need none). With <paramref name="linkedCopyWillDo"/>, a read-only file
    /// whose stored inode still matches needs no content.</summary>
    public static List<FileRecord> Missing(EngineContext context, TargetComparer comparer, IEnumerable<FileRecord> files, bool linkedCopyWillDo, CancellationToken cancellation)
    {
        var missing = new Dictionary<Digest, FileRecord>();
        using ContentStore.Lookup stored = context.Store.OpenLookup();
        foreach (FileRecord file in files)
        {
            cancellation.ThrowIfCancellationRequested();
            if (file.Digest is { } digest && !missing.ContainsKey(digest) && !stored.HasContent(digest)
                && !(linkedCopyWillDo && file.ReadOnly && comparer.StoredInodeMatches(file) is not null))
            {
                missing.Add(digest, file);
            }
        }

        return [.. missing.Values];
    }

    /// <summary>
    /// Fetches missing content from the content provider (downloads shared with concurrent calls of this handle),
    /// reporting bytes to <paramref name="progress"/> as they arrive; without a provider, missing content is
    /// NOT_FOUND naming the digest.
    /// </summary>
    public static void Fetch(EngineContext context, List<FileRecord> missing, ProgressTracker? progress, CancellationToken cancellation)
    {
        if (missing.Count == 0)
        {
            return;
        }

        if (context.Fetches is not { } fetches)
        {
            throw SnapshotterException.NotFound($"content {missing[0].Digest} of '{missing[0].RelativePath}' is not in the local store and no content provider is configured");
        }

        BoundedParallel.For(missing.Count, context.Concurrency, cancellation, (i, token) =>
        {
            // Progress counts each object as its logical size: what arrives is SPF1 (a little more for dense
            // files, less for sparse ones), so it is capped there and topped up once the object is in.
            long estimate = missing[i].Size;
            long counted = 0;
            var gate = new object();
            fetches.Fetch(missing[i].ContentDigest, received =>
            {
                long add;
                lock (gate)
                {
                    add = Math.Min(received, estimate - counted);
                    counted += add;
                }

                progress?.AddBytes(add);
            }, token);
            long rest;
            lock (gate)
            {
                rest = estimate - counted;
                counted = estimate;
            }

            progress?.AddBytes(rest);
        });
    }
}
