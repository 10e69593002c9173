using System.Runtime.InteropServices;

namespace Snapshotter.Tests.Support;

/// <summary>What the tests' own statx says about a path (symlinks not followed). The ctime moves on any change to
/// the inode, data or attributes, so an unchanged one proves a file was not touched.</summary>
public readonly record struct Inode(ulong Device, ulong Number, uint Mode, uint Uid, uint Gid, long Size, long MtimeNs, uint LinkCount, long AllocatedBytes, long CtimeNs = 0)
{
    public uint Permissions => Mode & 0x1FF;

    public bool IsRegularFile => (Mode & 0xF000) == 0x8000;

    public bool IsSymlink => (Mode & 0xF000) == 0xA000;

    public bool IsSameAs(in Inode other) => Device == other.Device && Number == other.Number;

    public static unsafe Inode Of(string path)
    {
        Native.StatxBuffer b;
        if (Native.Statx(Native.AtFdCwd, path, Native.AtSymlinkNoFollow, Native.StatxBasicStats, &b) != 0)
        {
            throw new IOException($"statx '{path}' failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new Inode(
            ((ulong)b.DevMajor << 32) | b.DevMinor,
            b.Ino,
            b.Mode,
            b.Uid,
            b.Gid,
            (long)b.Size,
            (b.MtimeSeconds * 1_000_000_000L) + b.MtimeNanoseconds,
            b.Nlink,
            (long)b.Blocks * 512,
            (b.CtimeSeconds * 1_000_000_000L) + b.CtimeNanoseconds);
    }
}
