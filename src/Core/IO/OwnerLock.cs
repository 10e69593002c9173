using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>
/// Proof that an open handle is alive, visible to every process sharing the root directory: an exclusive
/// flock on ROOT/metadata/owners/&lt;token&gt;.lock, held for the handle's lifetime and released by the kernel
/// when the process dies however it dies. Records a handle leaves behind (pending snapshots, temporary
/// files) carry its token, so recovery can tell a live owner's work from a dead one's without trusting
/// process ids, which differ between containers and get reused.
/// </summary>
internal sealed class OwnerLock : IDisposable
{
    private const string Suffix = ".lock";
    private readonly UnixFile _file;

    private OwnerLock(string token, UnixFile file)
    {
        Token = token;
        _file = file;
    }

    /// <summary>16 lowercase hex digits naming this owner.</summary>
    public string Token { get; }

    /// <summary>
    /// Takes a new token. The file is locked before it has a name (O_TMPFILE, then linkat): a lock file that another
    /// process can see is always either held or its owner's gone, so a probe can never take an unnamed-yet lock and
    /// call a live owner dead.
    /// </summary>
    public static OwnerLock Acquire(string ownersDir)
    {
        UnixPath.CreateDirectories(ownersDir);
        string token = RandomName.Hex16();
        string path = Path.Join(ownersDir, token + Suffix);
        var file = UnixFile.CreateUnnamed(ownersDir, path, 0x180);
        try
        {
            if (Libc.Flock(file.Fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
            {
                throw Errno.LastException("lock", path);
            }

            int errno = UnixPath.TryLinkOpenFile(file, path);
            if (errno != 0)
            {
                throw Errno.Exception(errno, "link", path);
            }

            return new OwnerLock(token, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>True while the owner holding <paramref name="token"/> lives (this process included). Nothing is
    /// removed: <see cref="RemoveDead"/> does that once the dead owners' leftovers are cleaned up.</summary>
    public static bool IsAlive(string ownersDir, string token)
    {
        if (!IsToken(token))
        {
            return false;
        }

        string path = Path.Join(ownersDir, token + Suffix);
        using UnixFile? file = UnixFile.TryOpenRead(path);
        if (file is null)
        {
            return false;
        }

        if (Libc.Flock(file.Fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            int errno = Errno.Last;
            return errno == Errno.EAGAIN ? true : throw Errno.Exception(errno, "lock", path);
        }

        return false;
    }

    /// <summary>Whether some owner whose lock file is in <paramref name="ownersDir"/> has died (nobody holds its lock).
    /// Nothing is removed.</summary>
    public static bool AnyDead(string ownersDir) => DeadLockFiles(ownersDir).Any();

    /// <summary>Removes the lock files of dead owners, so that opening the store need not look for their leftovers
    /// again. Call it once those leftovers are cleaned up: a token without a lock file still reads as dead.</summary>
    public static void RemoveDead(string ownersDir)
    {
        foreach (string path in DeadLockFiles(ownersDir))
        {
            UnixPath.TryDeleteFile(path);
        }
    }

    /// <summary>The lock files nobody holds, each yielded while this process holds its lock.</summary>
    private static IEnumerable<string> DeadLockFiles(string ownersDir)
    {
        foreach (string path in Directory.EnumerateFiles(ownersDir, "*" + Suffix))
        {
            if (!IsToken(Path.GetFileNameWithoutExtension(path)))
            {
                continue;
            }

            using UnixFile? file = UnixFile.TryOpenRead(path);
            if (file is not null && Libc.Flock(file.Fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
            {
                yield return path;
            }
        }
    }

    public static bool IsToken(string text) => text.Length == 16 && text.All(char.IsAsciiHexDigitLower);

    public void Dispose()
    {
        UnixPath.TryDeleteFile(_file.Path);
        _file.Dispose();
    }
}
