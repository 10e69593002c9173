using Snapshotter.IO;

namespace Snapshotter.Gc;

/// <summary>Disk usage of the filesystem holding a directory, from statfs(2): used = (blocks - free blocks) * block size.</summary>
internal sealed class StatFsDiskUsage : IDiskUsage
{
    private readonly string _path;

    public StatFsDiskUsage(string path)
    {
        _path = path;
    }

    public DiskUsage Measure()
    {
        FileSystemSpace space = UnixPath.SpaceOf(_path);
        return new DiskUsage(space.TotalBytes, space.UsedBytes);
    }
}
