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

    public static OwnerLock Acquire(string ownersDir)
    {
        UnixPath.CreateDirectories(ownersDir);
        string token = RandomName.Hex16();
        var file = UnixFile.CreateNew(Path.Join(ownersDir, token + Suffix), 0x180);
        if (Libc.Flock(file.Fd, Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            SnapshotterException failure = Errno.LastException("lock", file.Path);
            file.Dispose();
            throw failure;
        }

        return new OwnerLock(token, file);
    }

    /// <summary>True while the owner holding <paramref name="token"/> lives (this process included).
    /// A dead owner's lock file is removed.</summary>
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

        UnixPath.TryDeleteFile(path);
        return false;
    }

    /// <summary>Whether some owner whose lock file is in <paramref name="ownersDir"/> has died (nobody holds its lock).
    /// Nothing is removed.</summary>
    public static bool AnyDead(string ownersDir)
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
                return true;
            }
        }

        return false;
    }

    public static bool IsToken(string text) => text.Length == 16 && text.All(char.IsAsciiHexDigitLower);

    public void Dispose()
    {
        UnixPath.TryDeleteFile(_file.Path);
        _file.Dispose();
    }
}
