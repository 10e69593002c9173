using System.Runtime.InteropServices;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// A directory tree an operation writes into (a restore's output dir), every path in it resolved beneath its root
/// without following a symlink: a directory is opened from the root's descriptor with openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS) (or, on kernels before 5.6, one O_NOFOLLOW openat per component), and its entries are then
/// acted on relative to it (<see cref="TreeDirectory"/>). A symlink anywhere on the way, whether a snapshot recorded
/// it or somebody put it there while the operation runs, stops the walk instead of being followed, so nothing is
/// ever written outside the root. The root itself is the caller's choice and may be reached through symlinks.
/// </summary>
internal sealed unsafe class OutputTree : IDisposable
{
    /// <summary>Cleared the first time the kernel answers ENOSYS: every later walk goes component by component.</summary>
    private static volatile bool s_hasOpenAt2 = true;

    private readonly UnixFile _root;
    private readonly bool _componentWalk;

    private OutputTree(UnixFile root, bool componentWalk)
    {
        _root = root;
        _componentWalk = componentWalk;
    }

    /// <summary>The root's path, for messages.</summary>
    public string Root => _root.Path;

    /// <summary>Opens the tree rooted at the directory <paramref name="root"/>. <paramref name="componentWalk"/> makes
    /// every walk go component by component even where openat2 exists (tests of that path).</summary>
    public static OutputTree Open(string root, bool componentWalk = false)
    {
        int fd = UnixFile.OpenDescriptor(root, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        return fd >= 0 ? new OutputTree(UnixFile.Adopt(fd, root), componentWalk) : throw Errno.LastException("open directory", root);
    }

    /// <summary>The directory at <paramref name="relativeDir"/> ("" for the root); every component must be a directory
    /// beneath the root, none a symlink. Refused naming the path otherwise; NOT_FOUND when a component is missing.</summary>
    public TreeDirectory OpenDirectory(string relativeDir) =>
        TryOpenDirectory(relativeDir, out int errno) ?? throw (errno == Errno.ENOENT
            ? Errno.Exception(errno, "open directory", Path.Join(Root, relativeDir))
            : SnapshotterException.InvalidArgument($"'{relativeDir}' in '{Root}' is not a directory beneath it (a symlink or a file is on the way): nothing is written through one"));

    /// <summary>
    /// The directory at <paramref name="relativeDir"/>, or null with <paramref name="errno"/>: ENOENT when a component is
    /// missing, ELOOP when one is a symlink, ENOTDIR when one is something else, EXDEV when the path would leave the root.
    /// </summary>
    public TreeDirectory? TryOpenDirectory(string relativeDir, out int errno)
    {
        errno = 0;
        string path = relativeDir.Length == 0 ? Root : Path.Join(Root, relativeDir);
        int fd = relativeDir.Length == 0 ? Reopen(".")
            : _componentWalk || !s_hasOpenAt2 ? WalkComponents(relativeDir) : OpenBeneath(relativeDir);
        if (fd >= 0)
        {
            return new TreeDirectory(UnixFile.Adopt(fd, path));
        }

        errno = Errno.Last;
        return errno is Errno.ENOENT or Errno.ELOOP or Errno.ENOTDIR or Errno.EXDEV ? null : throw Errno.Exception(errno, "open directory", path);
    }

    public void Dispose() => _root.Dispose();

    private int Reopen(string name)
    {
        fixed (byte* p = TreeDirectory.Encode(name))
        {
            return Libc.OpenAt(_root.Fd, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        }
    }

    private int OpenBeneath(string relativeDir)
    {
        var how = new Libc.OpenHow
        {
            Flags = (ulong)(Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC),
            Resolve = Libc.RESOLVE_BENEATH | Libc.RESOLVE_NO_SYMLINKS | Libc.RESOLVE_NO_MAGICLINKS,
        };
        fixed (byte* p = TreeDirectory.Encode(relativeDir))
        {
            // EAGAIN: a rename elsewhere raced the lookup, which RESOLVE_BENEATH then refuses to trust; a few tries do.
            for (int attempt = 0; ; attempt++)
            {
                int fd = Libc.OpenAt2(_root.Fd, p, how);
                int errno = fd < 0 ? Errno.Last : 0;
                if (fd >= 0 || (errno != Errno.EAGAIN && errno != Errno.EINTR) || attempt == 16)
                {
                    if (errno == Errno.ENOSYS)
                    {
                        s_hasOpenAt2 = false;
                        return WalkComponents(relativeDir);
                    }

                    return fd;
                }
            }
        }
    }

    /// <summary>The same walk without openat2: one O_NOFOLLOW openat per component, each relative to the one before.
    /// Paths here are canonical (no "." or "..", no empty component), which is what keeps the walk beneath the root.</summary>
    private int WalkComponents(string relativeDir)
    {
        int current = _root.Fd;
        try
        {
            foreach (string component in relativeDir.Split('/'))
            {
                if (component is "" or "." or "..")
                {
                    Marshal.SetLastPInvokeError(Errno.EXDEV);
                    return -1;
                }

                int next;
                fixed (byte* p = TreeDirectory.Encode(component))
                {
                    next = Libc.OpenAt(current, p, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
                }

                if (next < 0)
                {
                    // O_PATH | O_NOFOLLOW | O_DIRECTORY on a symlink answers ENOTDIR: tell it apart, as openat2 does.
                    int errno = Errno.Last;
                    if (errno == Errno.ENOTDIR && IsSymlink(current, component))
                    {
                        errno = Errno.ELOOP;
                    }

                    Marshal.SetLastPInvokeError(errno);
                    return -1;
                }

                Release(current);
                current = next;
            }

            int result = current;
            current = -1;
            return result;
        }
        finally
        {
            Release(current);
        }
    }

    private void Release(int fd)
    {
        if (fd >= 0 && fd != _root.Fd)
        {
            int errno = Errno.Last;
            Libc.Close(fd);
            Marshal.SetLastPInvokeError(errno);
        }
    }

    private static bool IsSymlink(int dirFd, string name)
    {
        Libc.StatxBuffer b;
        fixed (byte* p = TreeDirectory.Encode(name))
        {
            return Libc.Statx(dirFd, p, Libc.AT_SYMLINK_NOFOLLOW, Libc.STATX_BASIC_STATS, &b) == 0 && FileStatus.From(b).IsSymlink;
        }
    }
}
