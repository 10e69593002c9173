using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Sparse;

namespace Snapshotter.Content;

/// <summary>
/// A stored file's data regions, read for export and verified against its digest in the same pass: from its SPF1
/// content, or, for a read-only file whose content object is gone, from its stored inode. Either way the bytes are
/// hashed in SPF1 order (header, then each extent's header and data), so a mismatch is found however the data
/// is read; it is reported after the data went out, so a caller must treat its output as void on failure.
/// </summary>
internal sealed class StoredContent : IDisposable
{
    private readonly UnixFile _file;
    private readonly IReadOnlyList<long> _dataOffsets;
    private readonly Digest _digest;

    private StoredContent(UnixFile file, long size, IReadOnlyList<Extent> extents, IReadOnlyList<long> dataOffsets, Digest digest)
    {
        _file = file;
        Size = size;
        Extents = extents;
        _dataOffsets = dataOffsets;
        _digest = digest;
    }

    public long Size { get; }

    /// <summary>The data regions; a single one from 0 to <see cref="Size"/> (or none, when empty) is a dense file.</summary>
    public IReadOnlyList<Extent> Extents { get; }

    public bool IsDense => Extents.Count == 0 ? Size == 0 : Extents.Count == 1 && Extents[0] == new Extent(0, Size);

    /// <summary>Opens the SPF1 content of <paramref name="file"/> (an entry with content), or its stored inode when
    /// <paramref name="storedInode"/>.</summary>
    public static StoredContent Open(ContentStore store, FileRecord file, bool storedInode)
    {
        Digest digest = file.ContentDigest;
        if (!storedInode)
        {
            UnixFile content = UnixFile.TryOpenRead(store.ContentPath(digest))
                ?? throw SnapshotterException.NotFound($"content {digest} of '{file.RelativePath}' is not in the local store");
            try
            {
                Spf1Layout layout = Spf1Layout.Read(content);
                return new StoredContent(content, layout.Size, layout.Extents, layout.DataOffsets, digest);
            }
            catch
            {
                content.Dispose();
                throw;
            }
        }

        UnixFile decoded = UnixFile.OpenRead(store.SnapshotPath(digest), followSymlinks: false);
        try
        {
            long size = decoded.Stat().Size;
            List<Extent> extents = SparseFile.GetExtents(decoded, size);
            return new StoredContent(decoded, size, extents, extents.Select(e => e.Offset).ToList(), digest);
        }
        catch
        {
            decoded.Dispose();
            throw;
        }
    }

    /// <summary>Hands every region's data to <paramref name="sink"/>, in order, then checks the digest. Returns the
    /// bytes read.</summary>
    public long CopyTo(DataSink sink, byte[] buffer, Action<long>? onBytes, CancellationToken cancellation)
    {
        var hash = new XxHash3();
        Span<byte> header = stackalloc byte[Spf1.HeaderLengthBytes];
        Spf1.WriteHeader(header, Size, Extents.Count);
        hash.Append(header);
        long read = 0;
        Span<byte> extentHeader = stackalloc byte[Spf1.ExtentHeaderLengthBytes];
        for (int i = 0; i < Extents.Count; i++)
        {
            Spf1.WriteExtentHeader(extentHeader, Extents[i]);
            hash.Append(extentHeader);
            for (long done = 0; done < Extents[i].Length;)
            {
                cancellation.ThrowIfCancellationRequested();
                int want = (int)Math.Min(buffer.Length, Extents[i].Length - done);
                int got = _file.Read(_dataOffsets[i] + done, buffer.AsSpan(0, want));
                if (got < want)
                {
                    throw SnapshotterException.Corrupt($"'{_file.Path}' ends inside extent {i}, before the data of {_digest}");
                }

                hash.Append(buffer.AsSpan(0, got));
                sink(buffer.AsSpan(0, got));
                done += got;
                read += got;
                onBytes?.Invoke(got);
            }
        }

        var actual = new Digest(hash.GetCurrentHashAsUInt64());
        return actual == _digest
            ? read
            : throw SnapshotterException.Corrupt($"'{_file.Path}' does not match its digest {_digest}: its bytes hash to {actual}");
    }

    public void Dispose() => _file.Dispose();
}
