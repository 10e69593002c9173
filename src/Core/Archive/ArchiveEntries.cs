using Snapshotter.Errors;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Oci;
using Snapshotter.Validation;

namespace Snapshotter.Archive;

/// <summary>
/// The entries of an archive being imported, gathered member by member. Each member is checked when its header is
/// read, before any of its data: its path stays inside the snapshot (nothing absolute, no ".."), appears once, lies
/// beneath no earlier member that is not a directory (a symlink above all: extracting a member beneath one writes
/// where the link points), and is the parent of no earlier member unless it is a directory; a hard link names an
/// earlier regular file of the archive. So a hostile archive is refused by the name of the member that makes it
/// so, and no link in it is ever followed: a symlink's target is data, kept as it is. What is gathered becomes a
/// snapshot's entries (a plain archive) or is matched against snapshot.json (an export).
/// </summary>
internal sealed class ArchiveEntries
{
    /// <summary>Linux's PATH_MAX less its NUL: the longest symlink target.</summary>
    private const int MaxLinkTargetBytes = 4095;

    private readonly string _source;
    private readonly Dictionary<string, FileRecord> _entries = new(StringComparer.Ordinal);

    /// <summary>Every path some gathered entry lies beneath: these may only be directories.</summary>
    private readonly HashSet<string> _parents = new(StringComparer.Ordinal);

    /// <param name="source">What the archive is, for messages.</param>
    public ArchiveEntries(string source)
    {
        _source = source;
    }

    /// <summary>The entries gathered, in the order of their paths' bytes.</summary>
    public List<FileRecord> Entries => _entries.Values.OrderBy(e => e.RelativePath, PathOrder.Instance).ToList();

    public int Count => _entries.Count;

    public bool Contains(string path) => _entries.ContainsKey(path);

    /// <summary>Where a member is, for messages.</summary>
    public string Where(TarEntry entry) => $"archive {_source}, member '{TarFormat.Display(entry.Member.Name)}' at byte {entry.Offset}";

    /// <summary>
    /// The canonical path of a member, checked against what came before it; null for the archive's root directory
    /// ("." or "./"), which names no entry. Anything wrong is CORRUPT naming the member.
    /// </summary>
    public string? PathOf(TarEntry entry)
    {
        TarMember header = entry.Member;
        string where = Where(entry);
        string name = PathEncoding.FromBytes(header.Name);
        string? path = Normalize(header.IsDirectory ? name.TrimEnd('/') : name, where);
        if (path is null)
        {
            return header.IsDirectory ? null : throw SnapshotterException.Corrupt($"{where}: {TarMember.Kind(header.Type)} may not be named '{PathEncoding.Printable(name)}'");
        }

        for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (_entries.TryGetValue(path[..slash], out FileRecord? above) && above.Type != EntryType.Directory)
            {
                throw SnapshotterException.Corrupt(above.Type == EntryType.Symlink
                    ? $"{where}: '{Show(path)}' lies beneath the symlink '{Show(above.RelativePath)}'"
                    : $"{where}: '{Show(path)}' lies beneath '{Show(above.RelativePath)}', which is {Kind(above.Type)}, not a directory");
            }
        }

        if (_entries.ContainsKey(path))
        {
            throw SnapshotterException.Corrupt($"{where}: '{Show(path)}' is in the archive twice");
        }

        if (!header.IsDirectory && _parents.Contains(path))
        {
            throw SnapshotterException.Corrupt($"{where}: '{Show(path)}' is {TarMember.Kind(header.Type)} and the directory of earlier members");
        }

        return path;
    }

    /// <summary>Adds a regular file member whose data hashed to <paramref name="digest"/>.</summary>
    public void AddFile(TarEntry entry, string path, Digest digest, long size) =>
        Add(new FileRecord(path, digest, ReadOnly: false, entry.Member.Meta.Mode & FileRecord.ModeMask, entry.Member.Meta.Uid, entry.Member.Meta.Gid,
            size, entry.Member.Meta.MtimeNs, 0, EntryType.Regular, Xattrs: Xattrs(entry)));

    /// <summary>Adds a member without data: a directory, symlink, hard link, device or FIFO.</summary>
    public void AddOther(TarEntry entry, string path)
    {
        TarMember header = entry.Member;
        var record = new FileRecord(path, null, ReadOnly: false, header.Meta.Mode & FileRecord.ModeMask, header.Meta.Uid, header.Meta.Gid, 0,
            header.Meta.MtimeNs, 0, EntryType.Directory, Xattrs: Xattrs(entry));
        switch (header.Type)
        {
            case TarFormat.DirectoryType:
                break;
            case TarFormat.FifoType:
                record = record with { Type = EntryType.Fifo };
                break;
            case TarFormat.CharDeviceType or TarFormat.BlockDeviceType:
                if (header.DevMajor > SnapshotConfig.MaxDeviceMajor || header.DevMinor > SnapshotConfig.MaxDeviceMinor)
                {
                    throw SnapshotterException.Corrupt($"{Where(entry)}: device numbers {header.DevMajor}:{header.DevMinor} are beyond what Linux encodes");
                }

                record = record with
                {
                    Type = header.Type == TarFormat.CharDeviceType ? EntryType.CharacterDevice : EntryType.BlockDevice,
                    DeviceMajor = header.DevMajor,
                    DeviceMinor = header.DevMinor,
                };
                break;
            case TarFormat.SymlinkType:
                if (header.LinkName.Length > MaxLinkTargetBytes || header.LinkName.AsSpan().Contains((byte)0))
                {
                    throw SnapshotterException.Corrupt($"{Where(entry)}: a symlink target of {header.LinkName.Length} bytes or with a NUL is none Linux can hold");
                }

                record = record with { Type = EntryType.Symlink, LinkTarget = PathEncoding.FromBytes(header.LinkName) };
                break;
            case TarFormat.HardLinkType:
                record = HardLink(entry, path);
                break;
            default:
                throw new SnapshotterException(ErrorCode.Internal, $"{Where(entry)}: {TarMember.Kind(header.Type)} has data");
        }

        Add(record);
    }

    /// <summary>
    /// Checks that the entries gathered under <paramref name="prefix"/> are exactly those <paramref name="listed"/>
    /// (snapshot.json's), each of the same type and with the same content, link target or device numbers, besides
    /// directories that are no entries of their own. snapshot.json's metadata is what is imported.
    /// </summary>
    public void Match(IReadOnlyList<FileRecord> listed, string prefix)
    {
        string envelope = ExportEnvelope.FileName;
        var unlisted = new HashSet<string>(_entries.Keys, StringComparer.Ordinal);
        foreach (FileRecord expected in listed)
        {
            string path = $"{prefix}/{expected.RelativePath}";
            if (!_entries.TryGetValue(path, out FileRecord? found))
            {
                throw SnapshotterException.Corrupt($"archive {_source} is incomplete: '{Show(path)}', listed in {envelope}, is missing");
            }

            unlisted.Remove(path);
            if (expected.HasContent && found.HasContent)
            {
                if (found.Digest != expected.Digest || found.Size != expected.Size)
                {
                    throw SnapshotterException.Corrupt(
                        $"archive {_source}: '{Show(expected.RelativePath)}' does not match {envelope}: its data hashes to {found.Digest} ({found.Size} bytes), {envelope} records {expected.Digest} ({expected.Size} bytes)");
                }
            }
            else if (found.Type != expected.Type || found.LinkTarget != expected.LinkTarget
                || found.DeviceMajor != expected.DeviceMajor || found.DeviceMinor != expected.DeviceMinor)
            {
                throw SnapshotterException.Corrupt($"archive {_source}: '{Show(path)}' is {Describe(found)} in the archive, {Describe(expected)} in {envelope}");
            }
        }

        // A directory that is no entry of its own may hold ones that are (GNU tar writes one for each).
        if (unlisted.Where(path => _entries[path].Type != EntryType.Directory).Order(StringComparer.Ordinal).FirstOrDefault() is { } extra)
        {
            throw SnapshotterException.Corrupt($"archive {_source}: '{Show(extra)}' is not listed in {envelope}");
        }
    }

    /// <summary>
    /// A hard link member as an entry: the regular file it names (through any hard link naming one), under its own
    /// path. The file must be an earlier member: a link to a later one, or to anything outside the archive, would
    /// make extraction link to whatever lies there.
    /// </summary>
    private FileRecord HardLink(TarEntry entry, string path)
    {
        string where = Where(entry);
        string target = Normalize(PathEncoding.FromBytes(entry.Member.LinkName), $"{where}: the target of hard link '{Show(path)}'")
            ?? throw SnapshotterException.Corrupt($"{where}: hard link '{Show(path)}' names the archive's root");
        FileRecord? file = _entries.GetValueOrDefault(target);
        if (file is { Type: EntryType.Hardlink })
        {
            file = _entries[file.LinkTarget!];
        }

        if (file is not { Type: EntryType.Regular })
        {
            throw SnapshotterException.Corrupt($"{where}: hard link '{Show(path)}' names '{Show(target)}', which is no earlier regular file of the archive");
        }

        return file with { RelativePath = path, Type = EntryType.Hardlink, LinkTarget = file.RelativePath };
    }

    private void Add(FileRecord record)
    {
        _entries.Add(record.RelativePath, record);
        string path = record.RelativePath;
        for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            _parents.Add(path[..slash]);
        }
    }

    /// <summary>A member's extended attributes, within Linux's limits; null when it has none.</summary>
    private ExtendedAttributes? Xattrs(TarEntry entry)
    {
        if (entry.Member.Xattrs.Count == 0)
        {
            return null;
        }

        foreach ((string name, byte[] value) in entry.Member.Xattrs)
        {
            if (System.Text.Encoding.UTF8.GetByteCount(name) > ExtendedAttributes.MaxNameBytes || value.Length > ExtendedAttributes.MaxValueBytes)
            {
                throw SnapshotterException.Corrupt($"{Where(entry)}: extended attribute '{name}' is beyond Linux's limits ({ExtendedAttributes.MaxNameBytes} bytes of name, {ExtendedAttributes.MaxValueBytes} of value)");
            }
        }

        return new ExtendedAttributes(entry.Member.Xattrs);
    }

    /// <summary>The canonical relative path of <paramref name="name"/>; null for the root ("", "." or "./").</summary>
    private static string? Normalize(string name, string where)
    {
        if (name.TrimEnd('/') is "" or ".")
        {
            return null;
        }

        try
        {
            return RelativePath.Normalize(name, "member");
        }
        catch (SnapshotterException e) when (e.Code == ErrorCode.InvalidArgument)
        {
            throw SnapshotterException.Corrupt($"{where}: {e.Message}; nothing outside the snapshot may be named");
        }
    }

    private static string Show(string path) => PathEncoding.Printable(path);

    private static string Kind(EntryType type) => TarMember.Kind((byte)('0' + (int)type));

    private static string Describe(FileRecord entry) => entry.Type switch
    {
        EntryType.Symlink => $"a symbolic link to '{Show(entry.LinkTarget!)}'",
        EntryType.CharacterDevice or EntryType.BlockDevice => $"{Kind(entry.Type)} {entry.DeviceMajor}:{entry.DeviceMinor}",
        _ => Kind(entry.Type),
    };
}
