using System.Collections.Concurrent;
using Snapshotter.Diagnostics;
using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.Interop;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Validation;

namespace Snapshotter.Engine;

/// <summary>
/// A regular file a snapshot reads: where it is, how it is captured, what it was when found, and once stored, what was
/// read (<see cref="Stored"/>). Its real path is kept as the path of its directory, one string shared by every file
/// found there, and its name, null when it is the last part of <see cref="RelativePath"/> (a file not reached through a
/// symlink of its own). A snapshot keeps every file for its whole run, so a file is this one object: 100,000 real paths
/// of their own took some 10 MB, and a record and a content record beside each file 13 MB more.
/// </summary>
internal sealed class SourceFile(string relativePath, string resolvedDirectory, string? resolvedName, bool readOnly, in FileStatus status, ExtendedAttributes? xattrs)
{
    public string RelativePath { get; } = relativePath;

    public string ResolvedDirectory { get; } = resolvedDirectory;

    public string? ResolvedName { get; } = resolvedName;

    public bool ReadOnly { get; } = readOnly;

    /// <summary>Its status when found; once stored, its status when it was opened to be read (the same inode).</summary>
    public FileStatus Status { get; private set; } = status;

    public ExtendedAttributes? Xattrs { get; } = xattrs;

    /// <summary>The digest of its content, once stored.</summary>
    public Digest? Digest { get; private set; }

    /// <summary>How many bytes of content <see cref="Digest"/> names, and how many its encoding takes in the store.</summary>
    public (long Size, long EncodedSize) Content { get; private set; }

    /// <summary>The local UTC offset at its modification time, once stored (see
    /// <see cref="SnapshotOperation.LocalOffsetSeconds"/>): found once, on the storing threads, for the several readings of
    /// its record the commit makes.</summary>
    public int ModificationTimeOffsetSeconds { get; private set; }

    public string ResolvedPath => string.Concat(ResolvedDirectory, "/", ResolvedName ?? RelativePath.AsSpan(RelativePath.LastIndexOf('/') + 1));

    /// <summary>The same file, read-only or not as <paramref name="readOnly"/> says (a hardlink group's leader).</summary>
    public SourceFile WithReadOnly(bool readOnly) => readOnly == ReadOnly ? this : new(RelativePath, ResolvedDirectory, ResolvedName, readOnly, Status, Xattrs);

    /// <summary>Records what storing found: the file as it was opened (<paramref name="status"/>), and its content.</summary>
    public void Stored(in FileStatus status, Digest digest, long size, long encodedSize)
    {
        Status = status;
        Digest = digest;
        Content = (size, encodedSize);
        ModificationTimeOffsetSeconds = SnapshotOperation.LocalOffsetSeconds(status.ModificationTimeNs);
    }
}

/// <summary>A path sharing the inode of <see cref="Leader"/> (an index into <see cref="SourceTree.Files"/>), recorded as
/// a hardlink to it.</summary>
internal readonly record struct SourceLink(string RelativePath, int Leader);

/// <summary>
/// What a snapshot request names, resolved before anything is written. A file spec names a regular file or a
/// directory (or, through symlinks inside the base dir, one of those), or "." for the base dir itself. A directory
/// means it and everything beneath it, walked through directory descriptors without following symlinks: directories,
/// symlinks (their targets as stored), FIFOs and devices are recorded as what they are, sockets are skipped and
/// logged, and an entry that vanishes or cannot be read fails the call naming it. Where specs overlap, the deepest one
/// decides how an entry is captured (--ro DIR --rw DIR/log). Regular files sharing an inode become one file and
/// hardlinks to it, read-only only when all of them are.
/// </summary>
internal sealed partial class SourceTree
{
    private readonly string _baseDir;
    private readonly bool _captureRootAttributes;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<string, Captured> _entries = new(StringComparer.Ordinal);

    /// <summary>The real paths of the directories holding <see cref="Files"/>, each kept once (see <see cref="SourceFile"/>).</summary>
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    /// <summary>One path of the tree as found: a regular file to read, or the record of an entry without content.</summary>
    private sealed record Captured(SourceFile? File, FileRecord? Entry, int Spec)
    {
        public string RelativePath => File?.RelativePath ?? Entry!.RelativePath;
    }

    /// <summary><see cref="IsCapturedAttribute"/>, made a delegate once for the many reads of a walk.</summary>
    private readonly Predicate<string> _isCaptured;

    private SourceTree(string baseDir, CancellationToken cancellation)
    {
        _baseDir = baseDir;
        _captureRootAttributes = Libc.GetEuid() == 0;
        _cancellation = cancellation;
        _isCaptured = IsCapturedAttribute;
    }

    /// <summary>The regular files to read, one per inode.</summary>
    public SourceFile[] Files { get; private set; } = [];

    /// <summary>The other paths of inodes in <see cref="Files"/>.</summary>
    public SourceLink[] Links { get; private set; } = [];

    /// <summary>Directories, symlinks, FIFOs and devices.</summary>
    public FileRecord[] Others { get; private set; } = [];

    public int EntryCount => Files.Length + Links.Length + Others.Length;

    /// <summary>Extended attributes a snapshot records: user.*, and as root the file capabilities and POSIX ACLs, which only
    /// root can restore. Others (security.selinux, trusted.*) belong to the host's policy and are left out.</summary>
    public bool IsCapturedAttribute(string name) => ExtendedAttributes.IsCaptured(name, _captureRootAttributes);

    public static SourceTree Resolve(string baseDir, IReadOnlyList<FileSpec> specs, int concurrency, CancellationToken cancellation)
    {
        var tree = new SourceTree(baseDir, cancellation);
        string?[] normalized = new string?[specs.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < specs.Count; i++)
        {
            // "dir/" names a directory: the '/' is checked against what is there once it is resolved.
            string? path = specs[i].RelativePath?.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : specs[i].RelativePath;
            normalized[i] = IsBaseDir(path) ? "" : RelativePath.Normalize(path, $"files[{i}].relative_path");
            if (!seen.TryAdd(normalized[i]!, i))
            {
                throw SnapshotterException.InvalidArgument($"files[{i}].relative_path '{PathEncoding.Printable(specs[i].RelativePath)}' duplicates files[{seen[normalized[i]!]}]");
            }
        }

        var found = new (string Resolved, FileStatus Status, ExtendedAttributes? Xattrs)[specs.Count];
        var directories = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        BoundedParallel.For(specs.Count, concurrency, cancellation, (i, _) =>
        {
            (string resolved, FileStatus status) = ResolveSpec(baseDir, normalized[i]!, directories, i);
            if (specs[i].RelativePath.EndsWith('/') && !status.IsDirectory)
            {
                throw SnapshotterException.InvalidArgument($"files[{i}] '{PathEncoding.Printable(specs[i].RelativePath)}' ends with '/' but is not a directory");
            }

            // The base dir itself is not recorded, so neither are its attributes.
            found[i] = (resolved, status, normalized[i]!.Length == 0 ? null : tree.ReadXattrs(resolved));
        });

        // Deepest first: an entry is captured as the most specific spec covering it says.
        foreach (int i in Enumerable.Range(0, specs.Count).OrderByDescending(i => Depth(normalized[i]!)))
        {
            tree.Add(normalized[i]!, found[i].Resolved, found[i].Status, found[i].Xattrs, specs[i].ReadOnly, i, concurrency);
        }

        tree.RefuseBeneathNonDirectory(normalized!);
        tree.GroupHardlinks(specs.Count);
        return tree;
    }

    /// <summary>
    /// Refuses a spec's path that lies beneath an entry recorded as something other than a directory (a symlink, where
    /// restoring it would write through the link, or a file), naming both. Only a spec's own path can: a walk goes down
    /// through directories alone, so whatever it finds lies beneath its spec's path and those directories.
    /// </summary>
    private void RefuseBeneathNonDirectory(string[] specPaths)
    {
        Dictionary<string, Captured>.AlternateLookup<ReadOnlySpan<char>> entries = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (string path in specPaths)
        {
            for (int slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                if (entries.TryGetValue(path.AsSpan(0, slash), out Captured? above) && above.Entry?.Type != EntryType.Directory)
                {
                    throw SnapshotterException.InvalidArgument(
                        $"'{PathEncoding.Printable(path)}' lies beneath '{PathEncoding.Printable(above.RelativePath)}', which the snapshot records as a {above.Entry?.Type ?? EntryType.Regular}: name the path without the symlink");
                }
            }
        }
    }

    /// <summary>"." (or "./", ".//."): the base dir itself.</summary>
    private static bool IsBaseDir(string? path) => !string.IsNullOrEmpty(path) && path.Split('/').All(part => part is "" or ".") && path[0] != '/';

    private static int Depth(string relative) => relative.Length == 0 ? 0 : relative.Count(c => c == '/') + 1;

    /// <summary>
    /// The real path of base_dir/<paramref name="relative"/> (symlinks resolved, as realpath(3) gives it) and what it
    /// names. Each directory is resolved once for all the specs in it (<paramref name="directories"/>, by relative path):
    /// a spec that is not a symlink itself resolves to its directory's real path and its name, one lstat per spec.
    /// </summary>
    private static (string Resolved, FileStatus Status) ResolveSpec(string baseDir, string relative, ConcurrentDictionary<string, string> directories, int index)
    {
        string resolved;
        FileStatus? status;
        try
        {
            if (relative.Length == 0)
            {
                (resolved, status) = (baseDir, null);
            }
            else
            {
                int slash = relative.LastIndexOf('/');
                string directory = slash < 0 ? baseDir : directories.GetOrAdd(relative[..slash], d => UnixPath.RealPath(Path.Join(baseDir, d)));
                string candidate = Path.Join(directory, relative.AsSpan(slash + 1));
                status = UnixPath.TryStat(candidate, followSymlinks: false);
                (resolved, status) = status is { IsSymlink: true } or null ? (UnixPath.RealPath(candidate), null) : (candidate, status);
            }
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.NotFound)
        {
            throw SnapshotterException.NotFound($"files[{index}] '{PathEncoding.Printable(relative)}' does not exist in base_dir '{baseDir}'");
        }

        if (!RelativePath.IsInside(resolved, baseDir))
        {
            throw SnapshotterException.InvalidArgument($"files[{index}] '{PathEncoding.Printable(relative)}' resolves to '{PathEncoding.Printable(resolved)}', outside base_dir '{baseDir}'");
        }

        status ??= UnixPath.TryStat(resolved, followSymlinks: false)
            ?? throw SnapshotterException.NotFound($"files[{index}] '{PathEncoding.Printable(relative)}' disappeared while being checked");
        if (status.Value.IsSocket)
        {
            throw SnapshotterException.InvalidArgument($"files[{index}] '{PathEncoding.Printable(relative)}' is a socket, which has no content to snapshot");
        }

        return (resolved, status.Value);
    }

    /// <summary>Records what the spec <paramref name="relative"/> names, and for a directory everything beneath it that no
    /// deeper spec took already (<see cref="Walk"/>). <paramref name="resolved"/> is its real path.</summary>
    private void Add(string relative, string resolved, in FileStatus status, ExtendedAttributes? xattrs, bool readOnly, int spec, int concurrency)
    {
        _cancellation.ThrowIfCancellationRequested();
        if (_entries.ContainsKey(relative))
        {
            return;
        }

        if (relative.Length > 0)
        {
            _entries[relative] = status.IsRegularFile
                ? new Captured(Located(relative, resolved, readOnly, status, xattrs), null, spec)
                : new Captured(null, EntryOf(relative, status, xattrs, linkTarget: null), spec);
        }

        if (!status.IsDirectory)
        {
            return;
        }

        UnixDirectory directory = UnixDirectory.Open(resolved);
        if (!directory.Stat().IsSameInode(status))
        {
            directory.Dispose();
            throw Vanished(relative, "was replaced");
        }

        IReadOnlyCollection<Captured> found = new Walk(this, readOnly, spec, concurrency).Run(relative, resolved, directory);
        _entries.EnsureCapacity(_entries.Count + found.Count);
        foreach (Captured captured in found)
        {
            _entries[captured.RelativePath] = captured;
        }
    }

    /// <summary>The file found at <paramref name="resolved"/>, its directory's path shared with the files beside it.</summary>
    private SourceFile Located(string relative, string resolved, bool readOnly, in FileStatus status, ExtendedAttributes? xattrs)
    {
        int slash = resolved.LastIndexOf('/');
        ReadOnlySpan<char> name = resolved.AsSpan(slash + 1);
        HashSet<string>.AlternateLookup<ReadOnlySpan<char>> directories = _directories.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!directories.TryGetValue(resolved.AsSpan(0, slash), out string? directory))
        {
            directory = resolved[..slash];
            _directories.Add(directory);
        }

        bool ownName = relative.AsSpan(relative.LastIndexOf('/') + 1).SequenceEqual(name);
        return new SourceFile(relative, directory, ownName ? null : name.ToString(), readOnly, status, xattrs);
    }

    private static SnapshotterException Vanished(string relative, string what) =>
        SnapshotterException.NotFound($"'{PathEncoding.Printable(relative)}' {what} while base_dir was being read; nothing was recorded");

    private ExtendedAttributes? ReadXattrs(string path) => Wrap(ExtendedAttributeReader.Read(path, _isCaptured));

    private static ExtendedAttributes? Wrap(List<KeyValuePair<string, byte[]>>? found) => found is null ? null : new ExtendedAttributes(found);

    /// <summary>The record of an entry that is not a regular file, as it is on disk (a lifecycle commit records its
    /// layer's entries with it too); a type no snapshot records (a socket) is UNSUPPORTED naming it.</summary>
    internal static FileRecord EntryOf(string relative, in FileStatus status, ExtendedAttributes? xattrs, string? linkTarget)
    {
        EntryType type = status switch
        {
            { IsDirectory: true } => EntryType.Directory,
            { IsSymlink: true } => EntryType.Symlink,
            { IsFifo: true } => EntryType.Fifo,
            { IsCharacterDevice: true } => EntryType.CharacterDevice,
            { IsBlockDevice: true } => EntryType.BlockDevice,
            _ => throw new SnapshotterException(ErrorCode.Unsupported, $"'{PathEncoding.Printable(relative)}' has file type 0{Convert.ToString(status.Mode >> 12, 8)}, which a snapshot cannot record"),
        };
        bool device = type is EntryType.CharacterDevice or EntryType.BlockDevice;
        return new FileRecord(
            relative,
            Digest: null,
            ReadOnly: false,
            status.ModeBits,
            status.Uid,
            status.Gid,
            Size: 0,
            status.ModificationTimeNs,
            SnapshotOperation.LocalOffsetSeconds(status.ModificationTimeNs),
            type,
            linkTarget,
            device ? status.NodeMajor : 0,
            device ? status.NodeMinor : 0,
            xattrs);
    }

    /// <summary>
    /// Splits what was found into files, hardlinks and other entries. Regular files on one inode (reached by distinct
    /// paths, not the same path twice through a symlinked directory) are one group: the first path in byte order is the
    /// file, read-only when every path of the group is, and the others link to it.
    /// </summary>
    private void GroupHardlinks(int specCount)
    {
        var files = new List<SourceFile>(_entries.Count);
        var links = new List<SourceLink>();
        var others = new List<FileRecord>();
        var groups = new Dictionary<(ulong Device, ulong Inode), List<SourceFile>>();
        // In the order of the specs, as the caller listed them (the walk went deepest spec first).
        foreach (Captured captured in specCount == 1 ? _entries.Values : (IEnumerable<Captured>)_entries.Values.OrderBy(c => c.Spec))
        {
            if (captured.Entry is { } entry)
            {
                others.Add(entry);
            }
            else if (captured.File is { Status.LinkCount: > 1 } linked)
            {
                (groups.TryGetValue((linked.Status.Device, linked.Status.Inode), out List<SourceFile>? group)
                    ? group
                    : groups[(linked.Status.Device, linked.Status.Inode)] = []).Add(linked);
            }
            else
            {
                files.Add(captured.File!);
            }
        }

        foreach (List<SourceFile> group in groups.Values)
        {
            group.Sort((a, b) => PathOrder.Instance.Compare(a.RelativePath, b.RelativePath));
            SourceFile leader = group[0].WithReadOnly(group.All(f => f.ReadOnly));
            int leaderIndex = files.Count;
            files.Add(leader);
            foreach (SourceFile member in group.Skip(1))
            {
                if (member.ResolvedPath == leader.ResolvedPath)
                {
                    files.Add(member);
                }
                else
                {
                    links.Add(new SourceLink(member.RelativePath, leaderIndex));
                }
            }
        }

        Files = [.. files];
        Links = [.. links];
        Others = [.. others];
        // What was found is all in the three arrays now; the index of paths would otherwise live as long as the tree.
        _entries.Clear();
        _entries.TrimExcess();
        _directories.Clear();
        _directories.TrimExcess();
    }
}
