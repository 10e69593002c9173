using System.Runtime.InteropServices;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// An open file descriptor with the path it was opened by, so every failure names the file.
/// All reads and writes are positional (pread/pwrite): one descriptor is safe to share between threads.
/// </summary>
internal sealed class UnixFile : SafeHandle
{
    private UnixFile(int fd, string path)
        : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(new IntPtr(fd));
        Path = path;
    }

    public string Path { get; }

    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>The raw descriptor; valid while this object is not disposed.</summary>
    public int Fd => (int)handle;

    public static UnixFile OpenRead(string path, bool followSymlinks = true) =>
        Open(path, Libc.O_RDONLY | (followSymlinks ? 0 : Libc.O_NOFOLLOW), 0, "open");

    /// <summary>Creates a new file that must not exist yet.</summary>
    public static UnixFile CreateNew(string path, uint mode) =>
        Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW, mode, "create");

    /// <summary>
    /// Writes a whole small file crash-safely: a temporary file named <paramref name="tempPrefix"/>... beside it made
    /// durable, renamed into place (over an existing file only with <paramref name="replace"/>; otherwise an existing
    /// file is kept), the directory synced. A crash leaves the old file or the new one, never a part of either.
    /// </summary>
    public static void WriteDurably(string path, string tempPrefix, byte[] bytes, uint mode, bool replace) =>
        WriteDurably(path, tempPrefix, stream => stream.Write(bytes), mode, replace);

    /// <summary>As above, the content written by <paramref name="write"/> to a sequential stream over the temporary file:
    /// a large file never has to be whole in memory first.</summary>
    public static void WriteDurably(string path, string tempPrefix, Action<Stream> write, uint mode, bool replace)
    {
        string directory = System.IO.Path.GetDirectoryName(path)!;
        string temp = UnixPath.TempPathIn(directory, tempPrefix);
        try
        {
            using (var file = CreateNew(temp, mode))
            {
                using (var stream = new DescriptorStream(file.Fd, writing: true, CancellationToken.None))
                {
                    write(stream);
                }

                file.Sync(dataOnly: true);
            }

            if (replace)
            {
                UnixPath.Rename(temp, path);
            }
            else
            {
                UnixPath.RenameNoReplace(temp, path);
            }

            UnixPath.SyncDirectory(directory);
        }
        finally
        {
            UnixPath.TryDeleteFile(temp);
        }
    }

    /// <summary>Creates a file without a name in <paramref name="directory"/> (O_TMPFILE): nobody sees it until it is
    /// linked at <paramref name="path"/> (<see cref="UnixPath.TryLinkOpenFile"/>), and it vanishes if it never is.</summary>
    public static UnixFile CreateUnnamed(string directory, string path, uint mode)
    {
        int fd = OpenDescriptor(directory, Libc.O_RDWR | Libc.O_TMPFILE, mode);
        return fd >= 0 ? new UnixFile(fd, path) : throw Errno.LastException("create an unnamed file for", path);
    }

    /// <summary>Takes ownership of a descriptor opened elsewhere.</summary>
    public static UnixFile Adopt(int fd, string path) => new(fd, path);

    /// <summary>Opens a file for reading and writing, creating it with <paramref name="mode"/> when missing.</summary>
    public static UnixFile OpenOrCreate(string path, uint mode) =>
        Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_NOFOLLOW, mode, "open");

    public static UnixFile OpenDirectory(string path) => Open(path, Libc.O_RDONLY | Libc.O_DIRECTORY, 0, "open directory");

    /// <summary>Opens with the given flags; returns null instead of throwing when the path does not exist.</summary>
    public static UnixFile? TryOpenRead(string path)
    {
        int fd = OpenDescriptor(path, Libc.O_RDONLY);
        if (fd >= 0)
        {
            return new UnixFile(fd, path);
        }

        int errno = Errno.Last;
        return errno == Errno.ENOENT ? null : throw Errno.Exception(errno, "open", path);
    }

    private static UnixFile Open(string path, int flags, uint mode, string operation)
    {
        int fd = OpenDescriptor(path, flags, mode);
        return fd >= 0 ? new UnixFile(fd, path) : throw Errno.LastException(operation, path);
    }

    /// <summary>open(2) of a path (its bytes: see <see cref="PathEncoding"/>), with O_CLOEXEC, again after EINTR: a new
    /// descriptor, or -1 and errno.</summary>
    internal static unsafe int OpenDescriptor(string path, int flags, uint mode = 0)
    {
        while (true)
        {
            int fd;
            fixed (byte* p = PathEncoding.GetNullTerminatedBytes(path))
            {
                fd = Libc.OpenAt(Libc.AT_FDCWD, p, flags | Libc.O_CLOEXEC, mode);
            }

            if (fd >= 0 || Errno.Last != Errno.EINTR)
            {
                return fd;
            }
        }
    }

    /// <summary>Reads up to buffer.Length bytes at offset; fewer only at the end of the file.</summary>
    public unsafe int Read(long offset, Span<byte> buffer)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = Libc.PRead(Fd, p + total, buffer.Length - total, offset + total);
                if (n > 0)
                {
                    total += (int)n;
                }
                else if (n == 0)
                {
                    break;
                }
                else if (Errno.Last != Errno.EINTR)
                {
                    throw Errno.LastException("read", Path);
                }
            }
        }

        return total;
    }

    /// <summary>Writes all of buffer at offset.</summary>
    public unsafe void Write(long offset, ReadOnlySpan<byte> buffer)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = Libc.PWrite(Fd, p + total, buffer.Length - total, offset + total);
                if (n > 0)
                {
                    total += (int)n;
                }
                else if (n < 0 && Errno.Last != Errno.EINTR)
                {
                    throw Errno.LastException("write", Path);
                }
            }
        }
    }

    public unsafe FileStatus Stat()
    {
        Libc.StatxBuffer b;
        fixed (byte* empty = PathEncoding.EmptyPath)
        {
            if (Libc.Statx(Fd, empty, Libc.AT_EMPTY_PATH, Libc.STATX_BASIC_STATS, &b) == 0)
            {
                return FileStatus.From(b);
            }
        }

        throw Errno.LastException("stat", Path);
    }

    /// <summary>Writes back the file's dirty pages and waits for them (sync_file_range; no metadata, no cache flush).
    /// Writeback write-protects the pages in every shared mapping, so a write through one afterwards faults and
    /// moves the file's ctime. Returns false where the filesystem cannot do it.</summary>
    public bool TryWriteBack() =>
        Libc.SyncFileRange(Fd, 0, 0, Libc.SYNC_FILE_RANGE_WAIT_BEFORE | Libc.SYNC_FILE_RANGE_WRITE | Libc.SYNC_FILE_RANGE_WAIT_AFTER) == 0;

    /// <summary>Starts writing back the dirty pages of a range without waiting for them (sync_file_range, WRITE only), so
    /// the disk works while more is written and the sync that ends the operation has less left to wait for. Errors
    /// are left to that sync.</summary>
    public void StartWriteBack(long offset, long length) => _ = Libc.SyncFileRange(Fd, offset, length, Libc.SYNC_FILE_RANGE_WRITE);

    public void SetLength(long length)
    {
        if (Libc.FTruncate(Fd, length) != 0)
        {
            throw Errno.LastException("truncate", Path);
        }
    }

    /// <summary>Makes the data durable; <paramref name="dataOnly"/> skips times (fdatasync).</summary>
    public void Sync(bool dataOnly = false)
    {
        if ((dataOnly ? Libc.FDataSync(Fd) : Libc.FSync(Fd)) != 0)
        {
            throw Errno.LastException("fsync", Path);
        }
    }

    public void SetPermissions(uint mode)
    {
        if (Libc.FChmod(Fd, mode & FileStatus.ModeBitsMask) != 0)
        {
            throw Errno.LastException("chmod", Path);
        }
    }

    public void SetOwner(uint uid, uint gid)
    {
        if (Libc.FChown(Fd, uid, gid) != 0)
        {
            throw Errno.LastException("chown", Path);
        }
    }

    /// <summary>Sets the extended attribute <paramref name="attribute"/> (created or replaced).</summary>
    public unsafe void SetXattr(string attribute, ReadOnlySpan<byte> value)
    {
        fixed (byte* a = TreeDirectory.Encode(attribute))
        fixed (byte* v = value)
        {
            if (Libc.FSetXattr(Fd, a, v, (nuint)value.Length, 0) != 0)
            {
                throw Errno.LastException($"set extended attribute '{attribute}' of", Path);
            }
        }
    }

    /// <summary>Sets the modification time (nanoseconds since the epoch) and leaves the access time alone.</summary>
    public unsafe void SetModificationTime(long unixNs)
    {
        var times = stackalloc Libc.TimeSpec[2];
        times[0] = new Libc.TimeSpec { Seconds = 0, Nanoseconds = Libc.UTIME_OMIT };
        times[1] = Libc.TimeSpec.FromUnixNs(unixNs);
        if (Libc.FutImens(Fd, times) != 0)
        {
            throw Errno.LastException("set times of", Path);
        }
    }

    /// <summary>Sets permissions, owner (when asked) and modification time, the order that keeps the time set last.</summary>
    public void SetAttributes(uint mode, uint uid, uint gid, long mtimeNs, bool setOwner)
    {
        if (setOwner)
        {
            SetOwner(uid, gid);
        }

        SetPermissions(mode);
        SetModificationTime(mtimeNs);
    }

    /// <summary>lseek with SEEK_DATA or SEEK_HOLE. Returns -1 for ENXIO (nothing at or after offset).
    /// Throws <see cref="ErrorCode.Unsupported"/> where the filesystem has no such seek.</summary>
    public long Seek(long offset, int whence)
    {
        long r = Libc.LSeek(Fd, offset, whence);
        if (r >= 0)
        {
            return r;
        }

        int errno = Errno.Last;
        return errno == Errno.ENXIO ? -1 : throw Errno.Exception(errno == Errno.EINVAL ? Errno.EOPNOTSUPP : errno, "seek", Path);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
