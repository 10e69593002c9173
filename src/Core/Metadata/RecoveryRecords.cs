using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// The store's own copy of every committed snapshot, from which the metadata database (an index) can be rebuilt:
/// storage/recovery/&lt;128-bit XXH3 of name LF version&gt;.json, one per snapshot. The set of records is kept a subset of
/// the snapshots the database has committed: a record is written after its snapshot's commit and deleted before its
/// snapshot's metadata, and whatever a crash leaves between the two (a committed snapshot without a record) is
/// written by the next open or collection (<see cref="WriteMissing"/>). Writing a record (after checking its snapshot is
/// committed), deleting one with its snapshot, and comparing the records with the database take one lock,
/// metadata/recovery.lock, so that none of them sees the others half done. A record the database does not know therefore
/// means the database is not the one the store was written with (lost, replaced, restored from a backup): the
/// index is stale, and nothing may be collected on its word until it is rebuilt.
/// </summary>
internal sealed class RecoveryRecords
{
    public const string DirectoryName = "recovery";

    /// <summary>In metadata/: the database was found missing (or corrupt and moved aside) while the store held data.</summary>
    public const string IndexIncompleteFileName = "index.incomplete";

    private const string IncompleteReason = "the metadata database was missing or corrupt when the store was opened";
    private const string IndexLockFileName = "index.lock";
    private const string LockFileName = "recovery.lock";
    private const string Extension = ".json";
    private const string TempPrefix = ".record-";
    private const int FormatVersion = 1;
    private const uint FileMode = 0x1A4; // 0644
    private const long NameSecondSeed = 0x5245434F56455259; // "RECOVERY"

    // The properties of a record, encoded once: a record of 20,000 files writes some 250,000 of them.
    private static readonly JsonEncodedText FormatProperty = JsonEncodedText.Encode("format");
    private static readonly JsonEncodedText NameProperty = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText VersionProperty = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText CreatedNsProperty = JsonEncodedText.Encode("createdNs");
    private static readonly JsonEncodedText FilesProperty = JsonEncodedText.Encode("files");
    private static readonly JsonEncodedText PathProperty = JsonEncodedText.Encode("path");
    private static readonly JsonEncodedText RawPathProperty = JsonEncodedText.Encode("rawPath");
    private static readonly JsonEncodedText DigestProperty = JsonEncodedText.Encode("digest");
    private static readonly JsonEncodedText ReadOnlyProperty = JsonEncodedText.Encode("readOnly");
    private static readonly JsonEncodedText ModeProperty = JsonEncodedText.Encode("mode");
    private static readonly JsonEncodedText UidProperty = JsonEncodedText.Encode("uid");
    private static readonly JsonEncodedText GidProperty = JsonEncodedText.Encode("gid");
    private static readonly JsonEncodedText SizeProperty = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText ModificationTimeNsProperty = JsonEncodedText.Encode("mtimeNs");
    private static readonly JsonEncodedText ModificationTimeOffsetSecondsProperty = JsonEncodedText.Encode("mtimeOffsetSeconds");
    private static readonly JsonEncodedText TypeflagProperty = JsonEncodedText.Encode("typeflag");
    private static readonly JsonEncodedText LinkTargetProperty = JsonEncodedText.Encode("linkTarget");
    private static readonly JsonEncodedText RawLinkTargetProperty = JsonEncodedText.Encode("rawLinkTarget");
    private static readonly JsonEncodedText DeviceMajorProperty = JsonEncodedText.Encode("devMajor");
    private static readonly JsonEncodedText DeviceMinorProperty = JsonEncodedText.Encode("devMinor");
    private static readonly JsonEncodedText XattrsProperty = JsonEncodedText.Encode("xattrs");

    private readonly string _ownerToken;
    private readonly string _incompleteMarker;
    private readonly string _lockPath;

    /// <param name="ownerToken">The token of the handle writing through this instance; its temporary records carry it
    /// (".record-&lt;token&gt;-&lt;random&gt;") so that those of a dead owner can be told apart and removed.</param>
    public RecoveryRecords(string rootDir, string metadataDir, string ownerToken)
    {
        _ownerToken = ownerToken;
        Directory = Path.Join(rootDir, "storage", DirectoryName);
        _incompleteMarker = Path.Join(metadataDir, IndexIncompleteFileName);
        _lockPath = Path.Join(metadataDir, LockFileName);
        UnixPath.CreateDirectories(Directory);
    }

    public string Directory { get; }

    /// <summary>
    /// 128 bits of XXH3 (two seeds) over "name LF version": not SHA-256, which through .NET loads OpenSSL into every
    /// process that snapshots. A record also holds its name and version, so a reader never trusts the file name alone.
    /// </summary>
    public static string FileNameOf(string name, string version)
    {
        byte[] key = Encoding.UTF8.GetBytes(name + "\n" + version);
        return $"{XxHash3.HashToUInt64(key):x16}{XxHash3.HashToUInt64(key, NameSecondSeed):x16}{Extension}";
    }

    public string PathOf(string name, string version) => Path.Join(Directory, FileNameOf(name, version));

    /// <summary>Held while a snapshot's record and its metadata are deleted together (see the class comment).</summary>
    public IDisposable Lock() => FileLock.Acquire(_lockPath, CancellationToken.None);

    /// <summary>Writes (or replaces) a record crash-safely: a temporary file made durable, renamed, the directory synced.</summary>
    public void Write(RecoveryRecord record) => Write(record.Name, record.Version, record.CreatedNs, record.Files);

    /// <summary>As <see cref="Write(RecoveryRecord)"/>, the files serialized as they are enumerated.</summary>
    private void Write(string name, string version, long createdNs, IEnumerable<FileRecord> files)
    {
        UnixFile.WriteDurably(PathOf(name, version), $"{TempPrefix}{_ownerToken}-", stream => Serialize(name, version, createdNs, files, stream), FileMode, replace: true);
    }

    /// <summary>Deletes a snapshot's record, durably, before its metadata is deleted (both under <see cref="Lock"/>). A
    /// record that cannot be removed fails the deletion: a record left beside deleted metadata would mark the index
    /// stale.</summary>
    public void Delete(string name, string version)
    {
        UnixPath.DeleteFile(PathOf(name, version));
        UnixPath.SyncDirectory(Directory);
    }

    /// <summary>The paths of every record, and temporary files of writers killed mid-write (a name starting with '.').</summary>
    public IEnumerable<string> RecordPaths() =>
        System.IO.Directory.EnumerateFiles(Directory, "*" + Extension).Where(p => !Path.GetFileName(p).StartsWith('.'));

    /// <summary>Records whose snapshot the database has not committed: empty while the index is sound. The records are
    /// listed before the database is read, under the lock: a record there was written after its snapshot committed and
    /// is deleted only with it, so the read that follows must see that snapshot unless the database is stale.</summary>
    public List<string> UnknownTo(MetadataStore metadata) => Read(metadata).Unknown;

    /// <summary>The records and the committed snapshots, read together as <see cref="UnknownTo"/> says, and the records
    /// among them whose snapshot is not committed.</summary>
    private (List<string> Records, List<SnapshotSummary> Committed, List<string> Unknown) Read(MetadataStore metadata)
    {
        using IDisposable held = Lock();
        List<string> records = RecordPaths().ToList();
        List<SnapshotSummary> committed = metadata.ListCommitted().ToList();
        var known = committed.Select(s => FileNameOf(s.Snapshot.Name, s.Snapshot.Version)).ToHashSet(StringComparer.Ordinal);
        return (records, committed, records.Where(p => !known.Contains(Path.GetFileName(p))).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>Why the database cannot be trusted to say what the store holds, or null when it can.</summary>
    public string? WhyIndexIsStale(MetadataStore metadata) => IsIndexIncomplete ? IncompleteReason : StaleReason(UnknownTo(metadata));

    /// <summary>The same, given the records the database does not know (<see cref="UnknownTo"/>).</summary>
    public string? WhyIndexIsStale(List<string> unknown) => IsIndexIncomplete ? IncompleteReason : StaleReason(unknown);

    private string? StaleReason(List<string> unknown) => unknown.Count > 0
        ? $"{unknown.Count} snapshot(s) recorded in '{Directory}' are not in the metadata database (it is older than the store)"
        : null;

    /// <summary>Refuses to go on (CORRUPT, naming the repair) while the database is stale: a collection would take
    /// everything it does not know for garbage.</summary>
    public void EnsureIndexIsCurrent(MetadataStore metadata, string operation)
    {
        if (WhyIndexIsStale(metadata) is { } why)
        {
            throw SnapshotterException.Corrupt($"{operation} refused: {why}; run verify with repair to rebuild the database from the store");
        }
    }

    public bool IsIndexIncomplete => UnixPath.TryStat(_incompleteMarker, followSymlinks: false) is not null;

    public void MarkIndexIncomplete()
    {
        using (UnixFile.OpenOrCreate(_incompleteMarker, FileMode))
        {
        }

        UnixPath.SyncDirectory(Path.GetDirectoryName(_incompleteMarker)!);
    }

    public void ClearIndexIncomplete()
    {
        UnixPath.TryDeleteFile(_incompleteMarker);
        UnixPath.SyncDirectory(Path.GetDirectoryName(_incompleteMarker)!);
    }

    /// <summary>
    /// Opens the metadata database of a store. A database missing while the store holds content or records, or one
    /// SQLite cannot read (moved aside as snapshotter.db.corrupt-&lt;unix seconds&gt; with its log, never deleted), is
    /// replaced by an empty one and the index marked incomplete: the store opens, lists nothing, refuses to collect,
    /// and verify with repair rebuilds the database from the records. Under a lock, so that of two processes opening
    /// a corrupt database one moves it aside and the other opens the new one.
    /// </summary>
    public MetadataStore OpenIndex(string metadataDir, Func<bool> storeHoldsContent)
    {
        using FileLock held = FileLock.Acquire(Path.Join(metadataDir, IndexLockFileName), CancellationToken.None);
        string database = Path.Join(metadataDir, MetadataStore.DatabaseFileName);
        if (UnixPath.TryStat(database, followSymlinks: false) is null && (RecordPaths().Any() || storeHoldsContent()))
        {
            MarkIndexIncomplete();
        }

        try
        {
            return MetadataStore.Open(metadataDir);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is Failure.SqliteCorrupt or Failure.SqliteNotADatabase)
        {
            SqliteConnection.ClearAllPools();
            string aside = $"{database}.corrupt-{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}";
            foreach (string suffix in new[] { "-wal", "-shm", "" })
            {
                if (UnixPath.TryStat(database + suffix, followSymlinks: false) is not null)
                {
                    UnixPath.Rename(database + suffix, aside + suffix);
                }
            }

            MarkIndexIncomplete();
            return MetadataStore.Open(metadataDir);
        }
    }

    /// <summary>
    /// Writes the record of every committed snapshot that has none: those of stores made before records existed (their
    /// first open writes them all), and of a commit whose record a crash or a full disk kept from being written. Only
    /// while the index is current: a stale database's snapshots are not the store's. Best effort: what cannot be
    /// written now (no space) is written by the next open or collection. Returns how many were written.
    /// </summary>
    public int WriteMissing(MetadataStore metadata)
    {
        if (IsIndexIncomplete)
        {
            return 0;
        }

        (List<string> records, List<SnapshotSummary> committed, List<string> unknown) = Read(metadata);
        if (unknown.Count > 0)
        {
            return 0;
        }

        var present = records.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        int written = 0;
        foreach (SnapshotSummary summary in committed)
        {
            SnapshotRecord snapshot = summary.Snapshot;
            if (!present.Contains(FileNameOf(snapshot.Name, snapshot.Version)))
            {
                if (!TryWrite(metadata, snapshot.Name, snapshot.Version))
                {
                    break;
                }

                written++;
            }
        }

        return written;
    }

    /// <summary>Removes temporary records of writers killed mid-write: those of owners no longer alive, and any without an
    /// owner token once older than <paramref name="cutoffNs"/>. Returns how many.</summary>
    public int DeleteAbandonedTemps(Func<string, bool> isOwnerAlive, long cutoffNs)
    {
        int removed = 0;
        foreach (string temp in System.IO.Directory.EnumerateFiles(Directory, TempPrefix + "*"))
        {
            string name = Path.GetFileName(temp);
            string token = name.Length > TempPrefix.Length + 16 ? name.Substring(TempPrefix.Length, 16) : "";
            bool abandoned = OwnerLock.IsToken(token) && name[TempPrefix.Length + 16] == '-'
                ? !isOwnerAlive(token)
                : UnixPath.TryStat(temp, followSymlinks: false) is { } status && status.ChangeTimeNs <= cutoffNs;
            if (abandoned)
            {
                UnixPath.TryDeleteFile(temp);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Writes the record of a snapshot just committed, under the lock, unless it was deleted meanwhile. A failure
    /// here leaves the snapshot committed and the record to <see cref="WriteMissing"/> at the next open or collection,
    /// so it is not the caller's failure.</summary>
    /// <param name="committed">The files the caller has just committed, if it has them: written as they are when the
    /// snapshot committed as name:version records that very list (its key), instead of read back from the database.</param>
    public bool TryWrite(MetadataStore metadata, string name, string version, SortedFileList? committed = null)
    {
        try
        {
            using IDisposable held = Lock();
            if (metadata.FindCommittedWithListKey(name, version) is { } found)
            {
                // Otherwise streamed from the database into the file: a snapshot of 100,000 files read whole as records
                // took 18 MB.
                IEnumerable<FileRecord> files = committed is not null && found.ListKey is { } key && key.AsSpan().SequenceEqual(committed.Key)
                    ? committed
                    : metadata.EnumerateFiles(found.Snapshot.Id);
                Write(name, version, found.Snapshot.CreatedNs, files);
            }

            return true;
        }
        catch (SnapshotterException)
        {
            return false;
        }
    }

    /// <summary>Writes a record's JSON to <paramref name="output"/> as it goes, a batch of files at a time: the record of
    /// a snapshot of 100,000 files is about 20 MB, which buffering the whole (the writer's buffer and a memory stream,
    /// each grown by doubling, then a copy out) held several times over at the peak of the snapshot's memory.</summary>
    public static void Serialize(RecoveryRecord record, Stream output) => Serialize(record.Name, record.Version, record.CreatedNs, record.Files, output);

    private static void Serialize(string name, string version, long createdNs, IEnumerable<FileRecord> files, Stream output)
    {
        const int FlushBytes = 64 << 10;
        Span<byte> digestText = stackalloc byte[Digest.MaxTextLength];
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteNumber(FormatProperty, FormatVersion);
            json.WriteString(NameProperty, name);
            json.WriteString(VersionProperty, version);
            json.WriteNumber(CreatedNsProperty, createdNs);
            json.WriteStartArray(FilesProperty);
            foreach (FileRecord file in files)
            {
                json.WriteStartObject();
                WriteName(json, PathProperty, RawPathProperty, file.RelativePath);
                if (file.Digest is { } digest)
                {
                    json.WriteString(DigestProperty, digestText[..digest.FormatUtf8(digestText)]);
                }

                json.WriteBoolean(ReadOnlyProperty, file.ReadOnly);
                json.WriteNumber(ModeProperty, file.Mode);
                json.WriteNumber(UidProperty, file.Uid);
                json.WriteNumber(GidProperty, file.Gid);
                json.WriteNumber(SizeProperty, file.Size);
                json.WriteNumber(ModificationTimeNsProperty, file.ModificationTimeNs);
                json.WriteNumber(ModificationTimeOffsetSecondsProperty, file.ModificationTimeOffsetSeconds);
                json.WriteNumber(TypeflagProperty, (int)file.Type);
                if (file.LinkTarget is { } target)
                {
                    WriteName(json, LinkTargetProperty, RawLinkTargetProperty, target);
                }

                if (file.Type is EntryType.CharacterDevice or EntryType.BlockDevice)
                {
                    json.WriteNumber(DeviceMajorProperty, file.DeviceMajor);
                    json.WriteNumber(DeviceMinorProperty, file.DeviceMinor);
                }

                if (file.Xattrs is { } xattrs)
                {
                    json.WriteStartObject(XattrsProperty);
                    foreach ((string attribute, byte[] value) in xattrs.Entries)
                    {
                        json.WriteBase64String(attribute, value);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
                if (json.BytesPending >= FlushBytes)
                {
                    json.Flush();
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }
    }

    /// <summary>Reads a record; CORRUPT naming the file when it is not one this format describes.</summary>
    public static RecoveryRecord Read(string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            if (root.GetProperty("format").GetInt32() != FormatVersion)
            {
                throw new FormatException($"format {root.GetProperty("format").GetInt32()} is not {FormatVersion}");
            }

            var files = new List<FileRecord>();
            foreach (JsonElement file in root.GetProperty("files").EnumerateArray())
            {
                files.Add(new FileRecord(
                    ReadName(file, "path", "rawPath") ?? throw new FormatException("a file without a path"),
                    file.TryGetProperty("digest", out JsonElement digest) ? Digest.Parse(digest.GetString() ?? "") : null,
                    file.GetProperty("readOnly").GetBoolean(),
                    file.GetProperty("mode").GetUInt32(),
                    file.GetProperty("uid").GetUInt32(),
                    file.GetProperty("gid").GetUInt32(),
                    file.GetProperty("size").GetInt64(),
                    file.GetProperty("mtimeNs").GetInt64(),
                    file.GetProperty("mtimeOffsetSeconds").GetInt32(),
                    (EntryType)file.GetProperty("typeflag").GetInt32(),
                    ReadName(file, "linkTarget", "rawLinkTarget"),
                    file.TryGetProperty("devMajor", out JsonElement major) ? major.GetUInt32() : 0,
                    file.TryGetProperty("devMinor", out JsonElement minor) ? minor.GetUInt32() : 0,
                    file.TryGetProperty("xattrs", out JsonElement xattrs)
                        ? new ExtendedAttributes(xattrs.EnumerateObject().Select(x => new KeyValuePair<string, byte[]>(x.Name, x.Value.GetBytesFromBase64())))
                        : null));
            }

            var record = new RecoveryRecord(
                root.GetProperty("name").GetString() ?? throw new FormatException("no name"),
                root.GetProperty("version").GetString() ?? throw new FormatException("no version"),
                root.GetProperty("createdNs").GetInt64(),
                files);
            if (FileNameOf(record.Name, record.Version) != Path.GetFileName(path))
            {
                throw new FormatException($"it names snapshot '{record.Name}:{record.Version}', whose record has another name");
            }

            return record;
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or SnapshotterException)
        {
            throw SnapshotterException.Corrupt($"recovery record '{path}' is unreadable: {e.Message}");
        }
    }

    /// <summary>A name as valid UTF-8 text under <paramref name="property"/>; one that is not UTF-8 also as its bytes
    /// (base64) under <paramref name="rawProperty"/>, which readers take instead.</summary>
    private static void WriteName(Utf8JsonWriter json, JsonEncodedText property, JsonEncodedText rawProperty, string name)
    {
        if (PathEncoding.IsUtf8(name))
        {
            json.WriteString(property, name);
        }
        else
        {
            json.WriteString(property, PathEncoding.Lossy(name));
            json.WriteBase64String(rawProperty, PathEncoding.GetBytes(name));
        }
    }

    private static string? ReadName(JsonElement entry, string property, string rawProperty) =>
        entry.TryGetProperty(rawProperty, out JsonElement raw) ? PathEncoding.FromBytes(raw.GetBytesFromBase64())
        : entry.TryGetProperty(property, out JsonElement text) ? text.GetString()
        : null;
}
