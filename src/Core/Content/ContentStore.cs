using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Sparse;

namespace Snapshotter.Content;

/// <summary>
/// The content-addressable store, in the layout Dragonfly's Go snapshotter uses under RootDir:
/// storage/content/xxh3/&lt;hex&gt; holds SPF1-encoded content, storage/snapshot/xxh3/&lt;hex&gt; the decoded file of
/// read-only entries (a hardlink target). Every object is written to a temporary name beside its final place,
/// made durable, then renamed without replacing: racing writers of one digest are harmless.
/// </summary>
internal sealed class ContentStore
{
    public const string TempContentPrefix = ".content-";
    public const string TempSnapshotPrefix = ".snapshot-";
    public const string StagingPrefix = ".download-";

    /// <summary>Large enough that syscalls and hash setup vanish next to copying; small enough that a chunk read
    /// into it is still in the core's L2 cache when it is hashed and written out again. With 1 MiB (more than
    /// half of a 2 MiB L2) copying a cached 1 GiB file through the buffer took twice as long as with 256 KiB.</summary>
    public const int DefaultBufferBytes = 256 << 10;

    /// <summary>Content files are never modified in place; their mode says so.</summary>
    private const uint ContentFileMode = 0x124; // 0444
    private const uint TempFileMode = 0x180; // 0600

    private readonly string _ownerToken;

    /// <param name="rootDir">The store's root directory.</param>
    /// <param name="ownerToken">The token of the handle writing through this instance; its temporary files carry it
    /// (".content-&lt;token&gt;-&lt;random&gt;") so that those of a dead owner can be told apart and removed.</param>
    public ContentStore(string rootDir, string ownerToken)
    {
        _ownerToken = ownerToken;
        RootDir = rootDir;
        ContentDir = Path.Join(rootDir, "storage", "content", Digest.Algorithm);
        SnapshotDir = Path.Join(rootDir, "storage", "snapshot", Digest.Algorithm);
        UnixPath.CreateDirectories(ContentDir);
        UnixPath.CreateDirectories(SnapshotDir);
    }

    public string RootDir { get; }

    public string ContentDir { get; }

    public string SnapshotDir { get; }

    public string ContentPath(Digest digest) => Path.Join(ContentDir, digest.Hex);

    public string SnapshotPath(Digest digest) => Path.Join(SnapshotDir, digest.Hex);

    public bool HasContent(Digest digest) => StoredSize(digest) is not null;

    /// <summary>The size of a digest's content object (its SPF1 encoding), or null when the store does not hold it.</summary>
    public long? StoredSize(Digest digest) => ObjectSize(UnixPath.TryStat(ContentPath(digest), followSymlinks: false));

    public bool HasSnapshotFile(Digest digest) => UnixPath.TryStat(SnapshotPath(digest), followSymlinks: false) is not null;

    /// <summary>What a content object found at a digest's name holds: its size when it is a regular file, else nothing.</summary>
    internal static long? ObjectSize(FileStatus? found) => found is { IsRegularFile: true } stored ? stored.Size : null;

    /// <summary>Opens the content and snapshot directories for many lookups by digest (see <see cref="Lookup"/>).</summary>
    public Lookup OpenLookup() => new(UnixDirectory.Open(ContentDir), UnixDirectory.Open(SnapshotDir));

    /// <summary>
    /// <see cref="StoredSize"/>, <see cref="HasContent"/> and <see cref="HasSnapshotFile"/> by name in the open
    /// directories, for callers that ask for many digests at once (a snapshot of an unchanged tree asks once per file,
    /// its commit once per digest): each lookup is one statx of a name, not a walk of the store's path from the root.
    /// Safe for concurrent use.
    /// </summary>
    public sealed class Lookup(UnixDirectory content, UnixDirectory snapshot) : IDisposable
    {
        public long? StoredSize(Digest digest) => ObjectSize(StatName(content, digest));

        public bool HasContent(Digest digest) => StoredSize(digest) is not null;

        public bool HasSnapshotFile(Digest digest) => StatName(snapshot, digest) is not null;

        /// <summary>The digest's name looked up in <paramref name="directory"/>, spelled on the stack.</summary>
        private static FileStatus? StatName(UnixDirectory directory, Digest digest)
        {
            Span<byte> name = stackalloc byte[17];
            return directory.Stat(name[..(digest.FormatHexNulTerminated(name) + 1)]);
        }

        public void Dispose()
        {
            content.Dispose();
            snapshot.Dispose();
        }
    }

    /// <summary>
    /// Stores an open source file: its SPF1 encoding is written to a temporary file while being hashed (one
    /// read of the source). When that content is already stored the temporary file is dropped (so content already
    /// stored is taken even when the disk has no room for a copy: the hash goes on past a full disk, and only new
    /// content fails, with NO_SPACE and its temporary file removed); otherwise it is
    /// returned as <see cref="IngestResult.PendingId"/> for <see cref="PlacePending"/> once the caller has made its
    /// batch durable (and pinned it: new content is not pinned here). With an <paramref name="area"/>, content of a
    /// writable source may be returned as new without the store having been looked up
    /// (<see cref="PendingArea.LikelyHasContent"/>): placing it then finds the stored object. A read-only source is also hardlinked as
    /// storage/snapshot/xxh3/&lt;hex&gt; (the very inode that was read), or, where it cannot be, decoded from this
    /// call's own encoding.
    /// </summary>
    /// <param name="pin">Called with the digest of content found already stored, before it is taken as stored: a lease
    /// taken there keeps it from being collected before the snapshot commits. The store is checked again after the
    /// pin; content collected in between is kept as new. For a read-only source it is called before the first check.
    /// New content of a writable source is not pinned here: the caller pins it before placing it.</param>
    /// <param name="area">Where new content waits to be placed (<see cref="PendingArea.Place"/>); without one, beside its
    /// final place (<see cref="PendingPath"/>).</param>
    public IngestResult Ingest(UnixFile source, in FileStatus status, bool readOnly, byte[] buffer, Action<long>? onDataBytes, CancellationToken cancellation, Action<Digest>? pin = null, PendingArea? area = null)
    {
        List<Extent> extents = SparseFile.GetExtents(source, status.Size);
        ulong pendingId = RandomName.Next();
        string tempPath = area?.PathOf(pendingId) ?? PendingPath(pendingId);
        bool keep = false;
        bool returned = false;
        try
        {
            Spf1Result encoded;
            FileStatus afterRead;
            bool hasObjectMode = false;
            using (UnixFile temp = area?.Create(pendingId, TempFileMode, out hasObjectMode) ?? UnixFile.CreateNew(tempPath, TempFileMode))
            {
                encoded = Spf1Encoder.Encode(source, status.Size, extents, temp, buffer, onDataBytes, cancellation);
                GiveBackIfIncomplete(temp, encoded);
                afterRead = EnsureUnchanged(source, status);
                // A read-only source is pinned before the check: its storage/snapshot file, found or not, must agree
                // with what the check found, which a collection deleting that digest right then could break.
                if (readOnly)
                {
                    pin?.Invoke(encoded.Digest);
                }

                // New content of a writable source that the area did not look up is found stored, if it is, by the rename
                // into place. A copy that ran out of space is no use there: whether the store holds it decides.
                keep = !(readOnly || area is null || encoded.OutputFull is not null ? Holds(encoded.Digest) : area.LikelyHasContent(encoded.Digest));
                if (!keep && !readOnly && pin is not null)
                {
                    pin(encoded.Digest);
                    keep = !Holds(encoded.Digest);
                }

                if (keep)
                {
                    ThrowIfIncomplete(encoded);
                    if (!hasObjectMode)
                    {
                        temp.SetPermissions(ContentFileMode);
                    }
                }
            }

            // Content found stored while the temporary copy ran out of space: the stored object is the same encoding.
            string encodedPath = encoded.OutputFull is null ? tempPath : ContentPath(encoded.Digest);
            bool linked = readOnly && LinkReadOnlySource(source, status, encoded.Digest, encodedPath, buffer, cancellation);
            returned = true;
            return new IngestResult(encoded.Digest, status.Size, encoded.EncodedLength, keep ? pendingId : null, linked, afterRead);
        }
        finally
        {
            if (!(returned && keep))
            {
                UnixPath.TryDeleteFile(tempPath);
            }
        }

        bool Holds(Digest digest) => area?.HasContent(digest) ?? HasContent(digest);
    }

    /// <summary>
    /// Stores content arriving as a stream (an archive member) whose data regions are <paramref name="extents"/>:
    /// its SPF1 encoding is written to a private temporary file while being hashed. Once the digest is known,
    /// <paramref name="pin"/> is called (a lease keeps content found already stored from being collected), and
    /// when the store has the content the temporary file is dropped; otherwise it is kept, named in the result,
    /// until the caller has committed and released it. <see cref="Place"/> makes it the stored object.
    /// </summary>
    public StagedContent Stage(DataReader read, string sourceName, long size, IReadOnlyList<Extent> extents, byte[] buffer, Action<long>? onDataBytes, Action<Digest> pin, CancellationToken cancellation)
    {
        string tempPath = UnixPath.TempPathIn(ContentDir, $"{TempContentPrefix}{_ownerToken}-");
        try
        {
            Spf1Result encoded;
            using (var temp = UnixFile.CreateNew(tempPath, TempFileMode))
            {
                encoded = Spf1Encoder.Encode(read, sourceName, size, extents, temp, buffer, onDataBytes, cancellation);
                GiveBackIfIncomplete(temp, encoded);
                temp.SetPermissions(ContentFileMode);
            }

            pin(encoded.Digest);
            if (HasContent(encoded.Digest))
            {
                UnixPath.TryDeleteFile(tempPath);
                return new StagedContent(encoded.Digest, size, encoded.EncodedLength, null);
            }

            ThrowIfIncomplete(encoded);
            return new StagedContent(encoded.Digest, size, encoded.EncodedLength, tempPath);
        }
        catch
        {
            UnixPath.TryDeleteFile(tempPath);
            throw;
        }
    }

    /// <summary>A temporary copy that ran out of space is of no use: its space goes back before anything else (the pin's
    /// metadata write, the commit) needs some.</summary>
    private static void GiveBackIfIncomplete(UnixFile temp, in Spf1Result encoded)
    {
        if (encoded.OutputFull is not null)
        {
            temp.SetLength(0);
        }
    }

    /// <summary>New content whose temporary copy ran out of space cannot be stored: the NO_SPACE error its write gave.</summary>
    private static void ThrowIfIncomplete(in Spf1Result encoded)
    {
        if (encoded.OutputFull is { } full)
        {
            throw full;
        }
    }

    /// <summary>Makes new staged content the stored object, by a link of its private file; an object already there
    /// is the same content. The private file stays until <see cref="Release"/>.</summary>
    public void Place(StagedContent staged)
    {
        if (staged.PrivatePath is not { } path)
        {
            return;
        }

        int errno = UnixPath.TryLink(path, ContentPath(staged.Digest));
        if (errno is not (0 or Errno.EEXIST))
        {
            throw Errno.Exception(errno, "link", ContentPath(staged.Digest));
        }
    }

    public static void Release(StagedContent staged)
    {
        if (staged.PrivatePath is { } path)
        {
            UnixPath.TryDeleteFile(path);
        }
    }

    /// <summary>The temporary name of the new content <see cref="Ingest"/> returned as <paramref name="pendingId"/>. A
    /// caller holding many pending objects keeps their ids (8 bytes each) and spells their paths only when it uses them:
    /// a snapshot of 100,000 new files held 100,000 paths of about 90 characters until it placed them.</summary>
    public string PendingPath(ulong pendingId) => Path.Join(ContentDir, PendingName(pendingId));

    private string PendingName(ulong pendingId) => $"{TempContentPrefix}{_ownerToken}-{RandomName.Spell(pendingId)}";

    /// <summary>Renames durable pending content into place. Returns false (and drops it) when another writer
    /// stored the same digest first.</summary>
    public bool PlacePending(ulong pendingId, Digest digest) => DropUnlessPlaced(UnixPath.RenameNoReplace(PendingPath(pendingId), ContentPath(digest)), pendingId);

    public UnixFile OpenContentDirectory() => UnixFile.OpenDirectory(ContentDir);

    /// <summary>A <see cref="PendingArea"/> of this store's owner, for one operation's new content.</summary>
    public PendingArea OpenPendingArea() => new(this, _ownerToken, ContentFileMode);

    private bool DropUnlessPlaced(bool placed, ulong pendingId)
    {
        if (!placed)
        {
            UnixPath.TryDeleteFile(PendingPath(pendingId));
        }

        return placed;
    }

    /// <summary>
    /// Makes storage/snapshot/xxh3/&lt;hex&gt; exist. Prefers a hardlink of the source inode (zero copy); across
    /// filesystems or at the link limit, decodes a private copy from <paramref name="encodedPath"/> (the source's
    /// SPF1 encoding) instead. Returns whether the source itself was linked.
    /// </summary>
    private bool LinkReadOnlySource(UnixFile source, in FileStatus status, Digest digest, string encodedPath, byte[] buffer, CancellationToken cancellation)
    {
        string snapshotPath = SnapshotPath(digest);
        if (HasSnapshotFile(digest))
        {
            return false;
        }

        int errno = UnixPath.TryLinkOpenFile(source, snapshotPath);
        if (errno == 0)
        {
            return true;
        }

        if (errno == Errno.EEXIST)
        {
            return false;
        }

        if (errno is not (Errno.EXDEV or Errno.EMLINK or Errno.EPERM or Errno.EACCES or Errno.ENOENT))
        {
            throw Errno.Exception(errno, "link", snapshotPath);
        }

        MaterializeSnapshotFile(digest, encodedPath, status.Permissions, status.Uid, status.Gid, status.ModificationTimeNs, setOwner: false, buffer, cancellation);
        return false;
    }

    /// <summary>
    /// Decodes content into storage/snapshot/xxh3/&lt;hex&gt; with the given attributes (a new, private inode,
    /// so setting them touches nobody else's file). Keeps an existing file if another writer got there first.
    /// </summary>
    public void MaterializeSnapshotFile(Digest digest, string contentPath, uint mode, uint uid, uint gid, long mtimeNs, bool setOwner, byte[] buffer, CancellationToken cancellation)
    {
        string tempPath = UnixPath.TempPathIn(SnapshotDir, $"{TempSnapshotPrefix}{_ownerToken}-");
        try
        {
            using (var temp = UnixFile.CreateNew(tempPath, TempFileMode))
            {
                Decode(contentPath, digest, temp, buffer, onDataBytes: null, cancellation);
                temp.SetAttributes(mode, uid, gid, mtimeNs, setOwner);
                temp.Sync(dataOnly: true);
            }

            UnixPath.RenameNoReplace(tempPath, SnapshotPath(digest));
        }
        finally
        {
            UnixPath.TryDeleteFile(tempPath);
        }
    }

    /// <summary>
    /// Fetches content the store lacks from <paramref name="provider"/>: into a private staging directory,
    /// verified whole (SPF1 structure and digest) once the provider is done with it, made durable, then renamed
    /// into place. Bad content is deleted and reported as <see cref="ErrorCode.Corrupt"/> naming the digest.
    /// What the provider placed may be another program's inode (dfdaemon hardlinks its task file): it is kept
    /// as it is, never chmodded, so only content this store wrote itself gets the read-only mode.
    /// </summary>
    public void Fetch(Providers.IContentProvider provider, Digest digest, byte[] buffer, Action<long>? onBytes, CancellationToken cancellation)
    {
        if (HasContent(digest))
        {
            return;
        }

        string staging = UnixPath.TempPathIn(ContentDir, $"{StagingPrefix}{_ownerToken}-");
        UnixPath.CreateDirectories(staging);
        try
        {
            string staged = Path.Join(staging, digest.Hex);
            provider.Download(digest, staged, onBytes, cancellation);
            using (var file = UnixFile.OpenRead(staged))
            {
                try
                {
                    Spf1Decoder.Decode(file, output: null, buffer, digest, onDataBytes: null, cancellation);
                }
                catch (SnapshotterException e) when (e.Code == ErrorCode.Corrupt)
                {
                    throw SnapshotterException.Corrupt($"content {digest} fetched from {provider.Location} is corrupt: {e.Message}");
                }

                if (file.Stat().LinkCount == 1)
                {
                    file.SetPermissions(ContentFileMode);
                }

                file.Sync(dataOnly: true);
            }

            UnixPath.RenameNoReplace(staged, ContentPath(digest));
            UnixPath.SyncDirectory(ContentDir);
        }
        finally
        {
            TryDeleteStaging(staging);
        }
    }

    /// <summary>
    /// Removes a staging directory without hiding the error that ended the fetch. A provider still linking into
    /// it (a download being stopped) can make one attempt fail; what stays is removed by the first open after
    /// this handle has closed.
    /// </summary>
    private static void TryDeleteStaging(string staging)
    {
        const int Attempts = 3;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            try
            {
                UnixPath.DeleteTree(staging);
                return;
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Removes a digest's content and its read-only inode, whichever exist. Only for content no snapshot
    /// references any more (see GcRecords.ReleaseUnreferenced, which calls this under its write lock).</summary>
    public void Remove(Digest digest)
    {
        UnixPath.DeleteFile(ContentPath(digest));
        UnixPath.DeleteFile(SnapshotPath(digest));
    }

    /// <summary>Removes temporary files and staging directories that owners no longer alive left behind
    /// (killed mid-write). Returns how many.</summary>
    public int DeleteAbandonedTemps(Func<string, bool> isOwnerAlive)
    {
        int removed = 0;
        foreach (TempEntry temp in TempEntries())
        {
            if (temp.OwnerToken is { } token && !isOwnerAlive(token))
            {
                UnixPath.DeleteTree(temp.Path);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>A temporary file or staging directory in the store, and the owner token its name carries (null for
    /// names without one, such as the Go snapshotter's).</summary>
    public readonly record struct TempEntry(string Path, string? OwnerToken);

    public IEnumerable<TempEntry> TempEntries()
    {
        foreach ((string dir, string prefix) in new[] { (ContentDir, TempContentPrefix), (SnapshotDir, TempSnapshotPrefix), (ContentDir, StagingPrefix) })
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(dir, prefix + "*"))
            {
                string name = Path.GetFileName(path);
                string token = name.Length > prefix.Length + 16 ? name.Substring(prefix.Length, 16) : "";
                bool tokened = OwnerLock.IsToken(token) && name[prefix.Length + 16] == '-';
                yield return new TempEntry(path, tokened ? token : null);
            }
        }
    }

    /// <summary>The digests the store holds files for, from their names in <paramref name="directory"/> (the content
    /// or the snapshot dir). Other names are left out.</summary>
    public static IEnumerable<Digest> StoredDigests(string directory)
    {
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            if (TryParseFileName(Path.GetFileName(path), out Digest digest))
            {
                yield return digest;
            }
        }
    }

    /// <summary>Whether <paramref name="name"/> is a digest's file name exactly as the store writes it (lowercase hex, no
    /// zero padding).</summary>
    public static bool TryParseFileName(string name, out Digest digest) =>
        Digest.TryParse(Digest.Algorithm + ":" + name, out digest) && digest.Hex == name;

    /// <summary>Decodes the content of <paramref name="digest"/> into <paramref name="output"/>, verifying every byte
    /// against the digest in the same pass. Returns the bytes read from the store.</summary>
    public long DecodeInto(Digest digest, UnixFile? output, byte[] buffer, Action<long>? onDataBytes, CancellationToken cancellation) =>
        Decode(ContentPath(digest), digest, output, buffer, onDataBytes, cancellation);

    private static long Decode(string path, Digest digest, UnixFile? output, byte[] buffer, Action<long>? onDataBytes, CancellationToken cancellation)
    {
        using var content = UnixFile.TryOpenRead(path)
            ?? throw SnapshotterException.NotFound($"content {digest} is not in the local store ('{path}' is missing)");
        return Spf1Decoder.Decode(content, output, buffer, digest, onDataBytes, cancellation).EncodedLength;
    }

    private static FileStatus EnsureUnchanged(UnixFile source, in FileStatus before)
    {
        FileStatus after = source.Stat();
        // Size and mtime, not ctime: linking the inode (as a concurrent snapshot of the same file may) changes ctime only.
        if (after.Size != before.Size || after.ModificationTimeNs != before.ModificationTimeNs)
        {
            throw new SnapshotterException(ErrorCode.IO, $"'{source.Path}' changed while it was being snapshotted; snapshot it again once it is stable");
        }

        return after;
    }
}
