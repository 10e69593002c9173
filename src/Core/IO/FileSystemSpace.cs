namespace Snapshotter.IO;

/// <summary>
/// The space of the filesystem holding a path, from statfs(2), in bytes: its size, what is used
/// (blocks - free blocks, the root-reserved blocks counted as free) and what an unprivileged writer may still use.
/// </summary>
internal readonly record struct FileSystemSpace(long TotalBytes, long UsedBytes, long AvailableBytes);
