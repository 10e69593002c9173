using System.Text;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// An open directory whose entries are read, examined and removed through its descriptor (readdir, statx,
/// openat and unlinkat relative to it), never by path. A walk that descends with <see cref="OpenChild"/> therefore
/// cannot be led outside its tree by a directory swapped for a symlink while it runs: O_NOFOLLOW refuses the
/// link, and removals act on the link itself. Entry names are raw bytes, as the filesystem has them.
/// </summary>
internal sealed unsafe class UnixDirectory : IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly IntPtr _stream;
    private readonly int _fd;

    private UnixDirectory(IntPtr stream, string path)
    {
        _stream = stream;
        _fd = Libc.DirFd(stream);
        Path = path;
    }

    /// <summary>The path this directory was reached by, for messages.</summary>
    public string Path { get; }

    /// <summary>One name in a directory: its bytes, its text when those are valid UTF-8 (null otherwise), and its type as
    /// the directory gave it (<see cref="EntryKind"/>; Unknown where the filesystem does not say, or for a name the caller
    /// made).</summary>
    public readonly record struct Entry(byte[] RawName, string? Name, EntryKind Kind = EntryKind.Unknown)
    {
        /// <summary>The name for messages: its text, or the bytes with invalid sequences replaced.</summary>
        public string Display => Name ?? Encoding.UTF8.GetString(RawName);

        /// <summary>The name as the library keeps names: lossless, whatever its bytes (see <see cref="PathEncoding"/>).</summary>
        public string Text => Name ?? PathEncoding.FromBytes(RawName);
    }

    /// <summary>Opens a directory by path; a symlink at the last component is refused (ELOOP), as is a non-directory.</summary>
    public static UnixDirectory Open(string path)
    {
        byte[] name = PathEncoding.GetNullTerminatedBytes(path);
        fixed (byte* p = name)
        {
            return FromDescriptor(Libc.OpenAt(Libc.AT_FDCWD, p, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), path)
                ?? throw Errno.LastException("open directory", path);
        }
    }

    /// <summary>The directory <paramref name="name"/> of an output tree's directory, for reading and removing what is in it;
    /// a symlink there is refused (ELOOP), never followed.</summary>
    public static UnixDirectory OpenIn(TreeDirectory parent, string name)
    {
        fixed (byte* p = TreeDirectory.Encode(name))
        {
            return FromDescriptor(Libc.OpenAt(parent.Fd, p, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), parent.PathOf(name))
                ?? throw Errno.LastException("open directory", parent.PathOf(name));
        }
    }

    /// <summary>Removes everything in this directory, descending through descriptors only: a symlink is removed as a
    /// link, never followed.</summary>
    public void RemoveEverything(CancellationToken cancellation)
    {
        foreach (Entry entry in ReadEntries())
        {
            cancellation.ThrowIfCancellationRequested();
            if (OpenChild(entry) is { } child)
            {
                using (child)
                {
                    child.RemoveEverything(cancellation);
                }

                if (!TryRemoveDirectory(entry))
                {
                    throw SnapshotterException.AlreadyExists($"'{System.IO.Path.Join(Path, entry.Display)}' took new entries while it was being removed");
                }
            }
            else
            {
                RemoveFile(entry);
            }
        }
    }

    /// <summary>The child directory <paramref name="entry"/>, or null when it is not (or no longer) a directory
    /// (ENOTDIR, ELOOP: a symlink) or is gone.</summary>
    public UnixDirectory? OpenChild(Entry entry)
    {
        string path = System.IO.Path.Join(Path, entry.Display);
        fixed (byte* p = NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]))
        {
            UnixDirectory? child = FromDescriptor(Libc.OpenAt(_fd, p, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0), path);
            if (child is not null)
            {
                return child;
            }

            int errno = Errno.Last;
            return errno is Errno.ENOTDIR or Errno.ELOOP or Errno.ENOENT ? null : throw Errno.Exception(errno, "open directory", path);
        }
    }

    /// <summary>Opens the regular file <paramref name="entry"/> for reading, refusing a symlink (ELOOP); null when it is gone.</summary>
    public UnixFile? OpenFile(Entry entry)
    {
        string path = System.IO.Path.Join(Path, entry.Display);
        fixed (byte* p = NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]))
        {
            int fd = Libc.OpenAt(_fd, p, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                return UnixFile.Adopt(fd, path);
            }
        }

        int errno = Errno.Last;
        return errno == Errno.ENOENT ? null : throw Errno.Exception(errno, "open", path);
    }

    /// <summary>The entry of this name (for names the caller knows, such as "snapshot.json").</summary>
    public static Entry EntryOf(string name) => new(PathEncoding.GetBytes(name), PathEncoding.IsUtf8(name) ? name : null);

    /// <summary>Every entry but "." and "..", in directory order.</summary>
    public List<Entry> ReadEntries()
    {
        var entries = new List<Entry>();
        while (true)
        {
            IntPtr dirent = Libc.ReadDir(_stream);
            if (dirent == IntPtr.Zero)
            {
                int errno = Errno.Last;
                return errno == 0 ? entries : throw Errno.Exception(errno, "read directory", Path);
            }

            ReadOnlySpan<byte> name = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)dirent + Libc.DirentNameOffset);
            if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
            {
                continue;
            }

            byte[] raw = name.ToArray();
            entries.Add(new Entry(raw, TryDecode(raw), (EntryKind)((byte*)dirent)[Libc.DirentTypeOffset]));
        }
    }

    /// <summary>What is at <paramref name="entry"/>, symlinks not followed; null when it is gone.</summary>
    public FileStatus? Stat(Entry entry) => Stat(NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]));

    /// <summary>What is at <paramref name="name"/> (NUL-terminated bytes), symlinks not followed; null when nothing is. For
    /// names a caller spells on the stack, such as a store's digest names, asked once per file of a snapshot.</summary>
    public FileStatus? Stat(ReadOnlySpan<byte> name)
    {
        if (name.IndexOf((byte)0) is var end && (end <= 0 || end != name.Length - 1))
        {
            throw new ArgumentException("a name of one or more bytes, then one NUL", nameof(name));
        }

        Libc.StatxBuffer b;
        fixed (byte* p = name)
        {
            if (Libc.Statx(_fd, p, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, &b) == 0)
            {
                return FileStatus.From(b);
            }
        }

        int errno = Errno.Last;
        return errno == Errno.ENOENT ? null : throw Errno.Exception(errno, "stat", System.IO.Path.Join(Path, Encoding.UTF8.GetString(name.TrimEnd((byte)0))));
    }

    /// <summary>The target of the symlink <paramref name="entry"/>, as stored (never resolved); null when it is gone or is no
    /// longer a symlink.</summary>
    public string? ReadLink(Entry entry)
    {
        // PATH_MAX: Linux refuses longer targets, so a result filling the buffer cannot be one cut short.
        Span<byte> target = stackalloc byte[4096];
        nint length;
        fixed (byte* p = NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]))
        fixed (byte* t = target)
        {
            length = Libc.ReadLinkAt(_fd, p, t, (nuint)target.Length);
        }

        if (length >= 0)
        {
            return PathEncoding.FromBytes(target[..(int)length]);
        }

        int errno = Errno.Last;
        return errno is Errno.ENOENT or Errno.EINVAL ? null : throw Errno.Exception(errno, "read the symlink", System.IO.Path.Join(Path, entry.Display));
    }

    /// <summary>The extended attributes of <paramref name="entry"/> (a symlink's own) whose names <paramref name="wanted"/>
    /// accepts, looked up in this directory; <paramref name="path"/> is this directory's real path, for messages and for
    /// kernels that can only read them by path. Null when it has none.</summary>
    public List<KeyValuePair<string, byte[]>>? ReadXattrs(Entry entry, string path, Predicate<string> wanted) =>
        ExtendedAttributeReader.ReadAt(_fd, path, NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]), entry.Text, wanted);

    /// <summary>The extended attributes of this directory itself, read through its descriptor.</summary>
    public List<KeyValuePair<string, byte[]>>? ReadOwnXattrs(Predicate<string> wanted) => ExtendedAttributeReader.ReadOpen(_fd, Path, wanted);

    /// <summary>What this directory itself is.</summary>
    public FileStatus Stat()
    {
        Libc.StatxBuffer b;
        fixed (byte* empty = PathEncoding.EmptyPath)
        {
            return Libc.Statx(_fd, empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, &b) == 0
                ? FileStatus.From(b)
                : throw Errno.LastException("stat", Path);
        }
    }

    /// <summary>Removes a file, symlink or other non-directory entry; one already gone is fine.</summary>
    public void RemoveFile(Entry entry)
    {
        fixed (byte* p = NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]))
        {
            if (Libc.UnlinkAt(_fd, p, 0) != 0 && Errno.Last != Errno.ENOENT)
            {
                throw Errno.LastException("remove", System.IO.Path.Join(Path, entry.Display));
            }
        }
    }

    /// <summary>Removes an empty directory. Returns false when it is not empty (something was added, or kept).</summary>
    public bool TryRemoveDirectory(Entry entry)
    {
        fixed (byte* p = NulTerminated(entry.RawName, stackalloc byte[MaxNameBytes + 1]))
        {
            if (Libc.UnlinkAt(_fd, p, Libc.AT_REMOVEDIR) == 0)
            {
                return true;
            }
        }

        int errno = Errno.Last;
        return errno is Errno.ENOTEMPTY or Errno.EEXIST or Errno.ENOENT ? false : throw Errno.Exception(errno, "remove directory", System.IO.Path.Join(Path, entry.Display));
    }

    public void Dispose() => Libc.CloseDir(_stream);

    private static UnixDirectory? FromDescriptor(int fd, string path)
    {
        if (fd < 0)
        {
            return null;
        }

        IntPtr stream = Libc.FdOpenDir(fd);
        if (stream == IntPtr.Zero)
        {
            SnapshotterException failure = Errno.LastException("read directory", path);
            Libc.Close(fd);
            throw failure;
        }

        return new UnixDirectory(stream, path);
    }

    private static string? TryDecode(byte[] raw)
    {
        try
        {
            return StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>NAME_MAX: no entry of a directory has a longer name.</summary>
    private const int MaxNameBytes = 255;

    /// <summary>The name followed by a NUL, in <paramref name="buffer"/> (on the stack: a walk makes several calls for every
    /// entry, and a copy on the heap for each was much of its garbage).</summary>
    private static Span<byte> NulTerminated(ReadOnlySpan<byte> name, Span<byte> buffer)
    {
        Span<byte> terminated = name.Length < buffer.Length ? buffer[..(name.Length + 1)] : new byte[name.Length + 1];
        name.CopyTo(terminated);
        terminated[name.Length] = 0;
        return terminated;
    }
}

/// <summary>The type of a directory entry as readdir(3) gives it (d_type): a hint, read before the entry is examined, that
/// the entry may have changed since.</summary>
internal enum EntryKind : byte
{
    Unknown = 0,
    Fifo = 1,
    CharacterDevice = 2,
    Directory = 4,
    BlockDevice = 6,
    RegularFile = 8,
    Symlink = 10,
    Socket = 12,
}
