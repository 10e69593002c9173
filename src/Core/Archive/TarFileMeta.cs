namespace Snapshotter.Archive;

/// <summary>What a tar header carries about a file besides its name and size: permission bits, owner, mtime (Unix ns).</summary>
internal readonly record struct TarFileMeta(uint Mode, uint Uid, uint Gid, long MtimeNs);
