namespace Snapshotter.Archive;

/// <summary>What a tar header carries about any member: permission bits with setuid, setgid and sticky (07777), owner,
/// mtime (Unix ns).</summary>
internal readonly record struct TarFileMeta(uint Mode, uint Uid, uint Gid, long MtimeNs);
