using System.Text;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// One directory of an <see cref="OutputTree"/>, held by an O_PATH descriptor (which opens even a directory its
/// caller may not list). Entries are created, examined, linked, renamed and removed relative to it by name, and no
/// call follows a symlink at the name: what a snapshot or anybody else put there is acted on as a link, never
/// written through.
/// </summary>
internal sealed unsafe class TreeDirectory : IDisposable
{
    private readonly UnixFile _handle;

    internal TreeDirectory(UnixFile handle) => _handle = handle;

    /// <summary>The path this directory was reached by, for messages.</summary>
    public string Path => _handle.Path;

    public int Fd => _handle.Fd;

    /// <summary>The path of an entry, for messages.</summary>
    public string PathOf(string name) => System.IO.Path.Join(Path, name);

    public FileStatus Status() => _handle.Stat();

    /// <summary>What is at <paramref name="name"/>, a symlink not followed; null when nothing is.</summary>
    public FileStatus? Stat(string name)
    {
        Libc.StatxBuffer b;
        fixed (byte* p = Encode(name))
        {
            if (Libc.Statx(Fd, p, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, &b) == 0)
            {
                return FileStatus.From(b);
            }
        }

        int errno = Errno.Last;
        return errno == Errno.ENOENT ? null : throw Errno.Exception(errno, "stat", PathOf(name));
    }

    /// <summary>Creates a regular file that must not exist yet (a symlink at the name is EEXIST, never followed).</summary>
    public UnixFile CreateFile(string name, uint mode) => Open(name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, mode, "create");

    /// <summary>Opens the regular file at <paramref name="name"/> for reading; a symlink there is refused (ELOOP).</summary>
    public UnixFile OpenRead(string name) => Open(name, Libc.O_RDONLY, 0, "open");

    /// <summary>The directory at <paramref name="name"/>; null when it is missing, or is a symlink or not a directory.</summary>
    public TreeDirectory? TryOpenChild(string name)
    {
        int fd;
        fixed (byte* p = Encode(name))
        {
            fd = Libc.OpenAt(Fd, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
        }

        if (fd >= 0)
        {
            return new TreeDirectory(UnixFile.Adopt(fd, PathOf(name)));
        }

        int errno = Errno.Last;
        return errno is Errno.ENOENT or Errno.ENOTDIR or Errno.ELOOP ? null : throw Errno.Exception(errno, "open directory", PathOf(name));
    }

    /// <summary>Hardlinks the file at <paramref name="sourcePath"/> (a path outside the tree, such as the store's) at
    /// <paramref name="name"/>. Returns the errno (0 on success) so callers can react to EEXIST and EXDEV.</summary>
    public int TryLinkFrom(string sourcePath, string name)
    {
        fixed (byte* source = Encode(sourcePath))
        fixed (byte* p = Encode(name))
        {
            return Libc.LinkAt(Libc.AT_FDCWD, source, Fd, p, 0) == 0 ? 0 : Errno.Last;
        }
    }

    /// <summary>Hardlinks the entry <paramref name="sourceName"/> of <paramref name="source"/> (itself when it is a
    /// symlink) at <paramref name="name"/>. Returns the errno (0 on success).</summary>
    public int TryLinkFrom(TreeDirectory source, string sourceName, string name)
    {
        fixed (byte* from = Encode(sourceName))
        fixed (byte* p = Encode(name))
        {
            return Libc.LinkAt(source.Fd, from, Fd, p, 0) == 0 ? 0 : Errno.Last;
        }
    }

    /// <summary>Creates a directory. Returns false when something (a symlink included) is at the name already.</summary>
    public bool TryCreateDirectory(string name, uint mode)
    {
        fixed (byte* p = Encode(name))
        {
            if (Libc.MkDirAt(Fd, p, mode) == 0)
            {
                return true;
            }
        }

        return Errno.Last == Errno.EEXIST ? false : throw Errno.LastException("create directory", PathOf(name));
    }

    /// <summary>Creates a symlink holding <paramref name="target"/>, which is stored as given and never resolved.</summary>
    public void CreateSymlink(string target, string name)
    {
        fixed (byte* t = Encode(target))
        fixed (byte* p = Encode(name))
        {
            if (Libc.SymlinkAt(t, Fd, p) != 0)
            {
                throw Errno.LastException("create symlink", PathOf(name));
            }
        }
    }

    /// <summary>Creates a FIFO or a device node (<paramref name="mode"/> carries its S_IF* type).</summary>
    public void CreateNode(string name, uint mode, ulong device)
    {
        fixed (byte* p = Encode(name))
        {
            if (Libc.MknodAt(Fd, p, mode, device) != 0)
            {
                throw Errno.LastException("create node", PathOf(name));
            }
        }
    }

    /// <summary>Moves the entry <paramref name="from"/> to <paramref name="to"/> in this directory, replacing what is there
    /// (a symlink is replaced, not followed).</summary>
    public void Rename(string from, string to)
    {
        fixed (byte* f = Encode(from))
        fixed (byte* t = Encode(to))
        {
            if (Libc.RenameAt2(Fd, f, Fd, t, 0) != 0)
            {
                throw Errno.LastException("rename to", PathOf(to));
            }
        }
    }

    /// <summary>Moves <paramref name="from"/> to <paramref name="to"/> unless something is at <paramref name="to"/>.
    /// Returns false (leaving <paramref name="from"/> in place) when something is.</summary>
    public bool RenameNoReplace(string from, string to) => RenameNoReplace(from, this, to);

    /// <summary>As <see cref="RenameNoReplace(string, string)"/>, to <paramref name="to"/> in <paramref name="target"/>.</summary>
    public bool RenameNoReplace(string from, TreeDirectory target, string to) =>
        UnixPath.RenameNoReplaceAt(Fd, Path, from, target.Fd, target.Path, to);

    /// <summary>Removes a file, symlink or other non-directory; one already gone is fine.</summary>
    public void Remove(string name)
    {
        fixed (byte* p = Encode(name))
        {
            if (Libc.UnlinkAt(Fd, p, 0) != 0 && Errno.Last != Errno.ENOENT)
            {
                throw Errno.LastException("remove", PathOf(name));
            }
        }
    }

    /// <summary>Best-effort removal for cleanup paths that must not hide the original error.</summary>
    public void TryRemove(string name)
    {
        fixed (byte* p = Encode(name))
        {
            Libc.UnlinkAt(Fd, p, 0);
        }
    }

    /// <summary>Sets the owner (when asked), then the permission bits (setuid, setgid and sticky included: chown clears
    /// them, so they come after it) of the entry at <paramref name="name"/> without following a symlink. A symlink has
    /// no mode of its own: only its owner is set.</summary>
    public void SetOwnerAndMode(string name, uint mode, uint uid, uint gid, bool setOwner, bool isSymlink)
    {
        fixed (byte* p = Encode(name))
        {
            if (setOwner && Libc.FChownAt(Fd, p, uid, gid, Libc.AT_SYMLINK_NOFOLLOW) != 0)
            {
                throw Errno.LastException("chown", PathOf(name));
            }

            if (!isSymlink && Libc.FChmodAt(Fd, p, mode & FileStatus.ModeBitsMask, Libc.AT_SYMLINK_NOFOLLOW) != 0)
            {
                throw Errno.LastException("chmod", PathOf(name));
            }
        }
    }

    /// <summary>Sets the modification time of the entry at <paramref name="name"/> (a symlink's own), leaving the access
    /// time alone.</summary>
    public void SetModificationTime(string name, long mtimeNs)
    {
        var times = stackalloc Libc.TimeSpec[2];
        times[0] = new Libc.TimeSpec { Seconds = 0, Nanoseconds = Libc.UTIME_OMIT };
        times[1] = Libc.TimeSpec.FromUnixNs(mtimeNs);
        fixed (byte* p = Encode(name))
        {
            if (Libc.UtimensAt(Fd, p, times, Libc.AT_SYMLINK_NOFOLLOW) != 0)
            {
                throw Errno.LastException("set times of", PathOf(name));
            }
        }
    }

    /// <summary>The target the symlink at <paramref name="name"/> holds, as the string of its bytes
    /// (<see cref="PathEncoding"/>); null when the name is not a symlink or is gone.</summary>
    public string? ReadLink(string name)
    {
        fixed (byte* p = Encode(name))
        {
            for (int size = 256; ; size *= 2)
            {
                var buffer = new byte[size];
                nint n;
                fixed (byte* b = buffer)
                {
                    n = Libc.ReadLinkAt(Fd, p, b, (nuint)size);
                }

                if (n < 0)
                {
                    int errno = Errno.Last;
                    return errno is Errno.EINVAL or Errno.ENOENT ? null : throw Errno.Exception(errno, "read symlink", PathOf(name));
                }

                if (n < size)
                {
                    return PathEncoding.FromBytes(buffer.AsSpan(0, (int)n));
                }
            }
        }
    }

    /// <summary>The extended attributes of the entry at <paramref name="name"/> (a symlink's own) whose names
    /// <paramref name="wanted"/> accepts, by name; null when it has none of them or the filesystem keeps none.</summary>
    /// <remarks>Looked up by name in this directory (listxattrat), or where the kernel lacks that call through this
    /// descriptor's /proc/self/fd path: never through the directory's own path, which a swapped symlink could redirect.</remarks>
    public Dictionary<string, byte[]>? ReadXattrs(string name, Predicate<string> wanted) =>
        ExtendedAttributeReader.ReadAt(Fd, ProcDirectory, Encode(name), name, wanted)?.ToDictionary(StringComparer.Ordinal);

    /// <summary>Whether the entry at <paramref name="name"/> holds no extended attribute this process may list (one
    /// listxattrat, as for <see cref="ReadXattrs"/>); false on an error, which a read then reports.</summary>
    public bool HasNoXattrs(string name) => ExtendedAttributeReader.HasNoneAt(Fd, ProcDirectory, Encode(name), name);

    /// <summary>Makes the extended attributes of the entry at <paramref name="name"/> whose names <paramref name="managed"/>
    /// accepts exactly <paramref name="wanted"/> (none when null): those it lacks or holds with another value are set,
    /// those not wanted removed; the others are left alone.</summary>
    public void ReplaceXattrs(string name, IEnumerable<KeyValuePair<string, byte[]>>? wanted, Predicate<string> managed)
    {
        Dictionary<string, byte[]> present = ReadXattrs(name, managed) ?? [];
        foreach ((string attribute, byte[] value) in wanted ?? [])
        {
            if (!present.Remove(attribute, out byte[]? old) || !old.AsSpan().SequenceEqual(value))
            {
                SetXattr(name, attribute, value);
            }
        }

        byte[] path = ProcPath(name);
        foreach (string extra in present.Keys)
        {
            fixed (byte* p = path)
            fixed (byte* a = Encode(extra))
            {
                if (Libc.LRemoveXattr(p, a) != 0 && Errno.Last != Errno.ENODATA)
                {
                    throw Errno.LastException($"remove extended attribute '{extra}' of", PathOf(name));
                }
            }
        }
    }

    /// <summary>Sets the extended attribute <paramref name="attribute"/> of the entry at <paramref name="name"/>, a
    /// symlink not followed. The entry is reached through this directory's descriptor (/proc/self/fd/N/name), since
    /// there is no lsetxattr relative to a directory.</summary>
    public void SetXattr(string name, string attribute, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = ProcPath(name))
        fixed (byte* a = Encode(attribute))
        fixed (byte* v = value)
        {
            if (Libc.LSetXattr(p, a, v, (nuint)value.Length, 0) != 0)
            {
                throw Errno.LastException($"set extended attribute '{attribute}' of", PathOf(name));
            }
        }
    }

    /// <summary>Removes the empty directory at <paramref name="name"/>.</summary>
    public void RemoveDirectory(string name)
    {
        fixed (byte* p = Encode(name))
        {
            if (Libc.UnlinkAt(Fd, p, Libc.AT_REMOVEDIR) != 0)
            {
                throw Errno.LastException("remove directory", PathOf(name));
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>This directory as a path for the calls that take only a path: the magic link /proc/self/fd/N is this very
    /// directory, whatever happened to its path.</summary>
    private string ProcDirectory => $"/proc/self/fd/{Fd}";

    /// <summary>The entry reached through this directory's descriptor (see <see cref="ProcDirectory"/>).</summary>
    private string ProcPathOf(string name) => $"{ProcDirectory}/{name}";

    private byte[] ProcPath(string name) => Encode(ProcPathOf(name));

    /// <summary>A name as the kernel takes it: its bytes (<see cref="PathEncoding"/>), NUL-terminated.</summary>
    internal static byte[] Encode(string name) => PathEncoding.GetNullTerminatedBytes(name);

    private UnixFile Open(string name, int flags, uint mode, string operation)
    {
        string path = PathOf(name);
        fixed (byte* p = Encode(name))
        {
            while (true)
            {
                int fd = Libc.OpenAt(Fd, p, flags | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, mode);
                if (fd >= 0)
                {
                    return UnixFile.Adopt(fd, path);
                }

                if (Errno.Last != Errno.EINTR)
                {
                    throw Errno.LastException(operation, path);
                }
            }
        }
    }
}
