using Snapshotter.Metadata;

namespace Snapshotter.Oci;

/// <summary>A snapshot read from a catalog: the digest of its manifest and its files, validated.</summary>
internal sealed record RemoteSnapshot(string ManifestDigest, IReadOnlyList<FileRecord> Files)
{
    /// <summary>A snapshot from its config blob as received: checked against the manifest's descriptor of it,
    /// then parsed and validated. <paramref name="source"/> names the snapshot and where it came from.</summary>
    public static RemoteSnapshot FromConfig(string manifestDigest, BlobDescriptor descriptor, byte[] config, string source)
    {
        string what = $"config {descriptor.Digest} of {source}";
        OciDigest.Verify(config, descriptor, what);
        return new RemoteSnapshot(manifestDigest, SnapshotConfig.Parse(config, what));
    }

    /// <summary>
    /// Whether <paramref name="files"/> describe the same snapshot: the same paths with the same content,
    /// kind, mode, owner, size and modification instant. Order and the UTC offset an mtime was written in do
    /// not matter (the Go library writes files in completion order and in its machine's time zone). Without
    /// <paramref name="compareContent"/> digests are ignored: what can be known of files not read yet.
    /// </summary>
    public bool HasSameFiles(IEnumerable<FileRecord> files, bool compareContent = true)
    {
        var theirs = Files.ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        int count = 0;
        foreach (FileRecord file in files)
        {
            count++;
            if (!theirs.TryGetValue(file.RelativePath, out FileRecord? other) || !SameFile(file, other, compareContent))
            {
                return false;
            }
        }

        return count == theirs.Count;
    }

    /// <summary>Every field alike but the UTC offset the time was written in (and the digest, unless
    /// <paramref name="compareContent"/>).</summary>
    private static bool SameFile(FileRecord a, FileRecord b, bool compareContent) =>
        a with { Digest = compareContent ? a.Digest : b.Digest, ModificationTimeOffsetSeconds = b.ModificationTimeOffsetSeconds } == b;
}
