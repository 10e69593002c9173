using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>What statx(2) says about one inode, with times as nanoseconds since the Unix epoch. A device node's own
/// numbers are <see cref="NodeMajor"/> and <see cref="NodeMinor"/> (the device it lives on is <see cref="Device"/>).</summary>
internal readonly record struct FileStatus(
    ulong Device,
    ulong Inode,
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    long ModificationTimeNs,
    long ChangeTimeNs,
    uint LinkCount,
    long AllocatedBytes,
    uint NodeMajor = 0,
    uint NodeMinor = 0)
{
    private const uint TypeMask = 0xF000;
    private const uint RegularType = 0x8000;
    private const uint DirectoryType = 0x4000;
    private const uint SymlinkType = 0xA000;
    private const uint FifoType = 0x1000;
    private const uint CharacterDeviceType = 0x2000;
    private const uint BlockDeviceType = 0x6000;
    private const uint SocketType = 0xC000;

    /// <summary>The rwx bits for owner, group and others: what snapshots record and restore (as the Go library does).</summary>
    public const uint PermissionMask = 0x1FF;

    /// <summary>The permission bits with setuid, setgid and sticky: everything chmod(2) sets.</summary>
    public const uint ModeBitsMask = 0xFFF;

    public bool IsRegularFile => (Mode & TypeMask) == RegularType;

    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

    public bool IsSymlink => (Mode & TypeMask) == SymlinkType;

    public bool IsFifo => (Mode & TypeMask) == FifoType;

    public bool IsCharacterDevice => (Mode & TypeMask) == CharacterDeviceType;

    public bool IsBlockDevice => (Mode & TypeMask) == BlockDeviceType;

    public bool IsSocket => (Mode & TypeMask) == SocketType;

    /// <summary>The permission bits with setuid, setgid and sticky: what a tree's entries record.</summary>
    public uint ModeBits => Mode & 0xFFF;

    public uint Permissions => Mode & PermissionMask;

    public bool IsSameInode(in FileStatus other) => Device == other.Device && Inode == other.Inode;

    internal static FileStatus From(in Libc.StatxBuffer b) => new(
        Device: ((ulong)b.DevMajor << 32) | b.DevMinor,
        Inode: b.Ino,
        Mode: b.Mode,
        Uid: b.Uid,
        Gid: b.Gid,
        Size: (long)b.Size,
        ModificationTimeNs: (b.MtimeSeconds * 1_000_000_000L) + b.MtimeNanoseconds,
        ChangeTimeNs: (b.CtimeSeconds * 1_000_000_000L) + b.CtimeNanoseconds,
        LinkCount: b.Nlink,
        AllocatedBytes: (long)b.Blocks * 512,
        NodeMajor: b.RdevMajor,
        NodeMinor: b.RdevMinor);
}
