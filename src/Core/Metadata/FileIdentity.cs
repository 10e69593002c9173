using Snapshotter.IO;

namespace Snapshotter.Metadata;

/// <summary>
/// What must be unchanged for a digest remembered for a file to still be its digest: the inode (device and number),
/// size, mode, and the modification and change times to the nanosecond. The change time is the part no one can set:
/// the kernel moves it to the current time on every write, truncation, hole punch, chmod or utimensat.
/// </summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModificationTimeNs, long ChangeTimeNs, uint Mode)
{
    public static FileIdentity Of(in FileStatus status) =>
        new(status.Device, status.Inode, status.Size, status.ModificationTimeNs, status.ChangeTimeNs, status.Mode);
}
