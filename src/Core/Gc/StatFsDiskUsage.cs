using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.Gc;

/// <summary>Disk usage of the filesystem holding a directory, from statfs(2): used = (blocks - free blocks) * block size.</summary>
internal sealed class StatFsDiskUsage : IDiskUsage
{
    private readonly string _path;

    public StatFsDiskUsage(string path)
    {
        _path = path;
    }

    public unsafe DiskUsage Measure()
    {
        Libc.StatFsBuffer b;
        if (Libc.StatFs(_path, &b) != 0)
        {
            throw Errno.LastException("measure the filesystem of", _path);
        }

        long unit = b.FragmentSize > 0 ? b.FragmentSize : b.BlockSize;
        return new DiskUsage((long)b.Blocks * unit, (long)(b.Blocks - b.FreeBlocks) * unit);
    }
}
