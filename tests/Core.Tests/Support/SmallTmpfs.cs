namespace Snapshotter.Tests.Support;

/// <summary>
/// A real, small tmpfs mounted on a directory (the tests run as root): a filesystem that fills up for real, so
/// NO_SPACE comes from the kernel at whatever write, link or SQLite page needs the space. Unmounted on Dispose,
/// lazily so that a file still open cannot keep it mounted.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    private const int FillChunkBytes = 64 << 10;

    public SmallTmpfs(string mountPoint, int sizeMiB)
    {
        Directory.CreateDirectory(mountPoint);
        Tool.Run("mount", "-t", "tmpfs", "-o", $"size={sizeMiB}m", "tmpfs", mountPoint);
        MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public long FreeBytes => new DriveInfo(MountPoint).AvailableFreeSpace;

    /// <summary>Fills the filesystem with one file until the kernel refuses a byte more, then gives back
    /// <paramref name="leaveFreeBytes"/> (0: 100 % full). Returns the filler's path.</summary>
    public string Fill(long leaveFreeBytes = 0)
    {
        string filler = Path.Join(MountPoint, "filler-" + Guid.NewGuid().ToString("n"));
        byte[] chunk = TestFiles.Pattern(FillChunkBytes, 99);
        long length = 0;
        using (var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (int size = FillChunkBytes; size > 0; size /= 2)
            {
                try
                {
                    while (true)
                    {
                        stream.Write(chunk, 0, size);
                        length += size;
                    }
                }
                catch (IOException)
                {
                    stream.SetLength(length);
                }
            }

            stream.SetLength(Math.Max(0, length - leaveFreeBytes));
        }

        return filler;
    }

    public void Dispose() => Tool.Run("umount", "-l", MountPoint);
}
