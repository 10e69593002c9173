using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Snapshotter.Tests.Support;

/// <summary>Making files with exact bytes, holes, modes and nanosecond mtimes, and reading them back.</summary>
internal static class TestFiles
{
    public const int BlockBytes = 4096;
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int Enxio = 6;

    /// <summary>Deterministic, non-repeating-looking bytes (a seeded PRNG), never all zero.</summary>
    private const int NoData = 61;

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        if (length > 0 && Array.TrueForAll(bytes, b => b == 0))
        {
            bytes[0] = 1;
        }

        return bytes;
    }

    /// <summary>Creates (replacing) a dense file with exactly these bytes.</summary>
    public static string WriteDense(string path, ReadOnlySpan<byte> bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.Write(handle, bytes, 0);
        return path;
    }

    /// <summary>Creates (replacing) a sparse file: ftruncate to <paramref name="size"/>, then pwrite each chunk at its offset.</summary>
    public static string WriteSparse(string path, long size, params (long Offset, byte[] Data)[] chunks)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        RandomAccess.SetLength(handle, size);
        foreach ((long offset, byte[] data) in chunks)
        {
            RandomAccess.Write(handle, data, offset);
        }

        return path;
    }

    /// <summary>A dense file of <paramref name="length"/> bytes written in 1 MiB chunks of a cheap pattern.</summary>
    public static string WriteLarge(string path, long length, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        byte[] chunk = Pattern(1 << 20, seed);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        for (long offset = 0; offset < length; offset += chunk.Length)
        {
            int n = (int)Math.Min(chunk.Length, length - offset);
            chunk[0] = (byte)(offset >> 20);
            RandomAccess.Write(handle, chunk.AsSpan(0, n), offset);
        }

        return path;
    }

    /// <summary>The whole content of a file, holes read as zeros.</summary>
    public static byte[] Read(string path) => File.ReadAllBytes(path);

    public static void SetMode(string path, uint mode) => File.SetUnixFileMode(path, (UnixFileMode)mode);

    /// <summary>Sets the modification time to the nanosecond (utimensat, access time left alone).</summary>
    public static unsafe void SetMtimeNs(string path, long unixNs)
    {
        long seconds = Math.DivRem(unixNs, 1_000_000_000L, out long ns);
        if (ns < 0)
        {
            seconds--;
            ns += 1_000_000_000L;
        }

        var times = stackalloc Native.TimeSpec[2];
        times[0] = new Native.TimeSpec { Seconds = 0, Nanoseconds = Native.UtimeOmit };
        times[1] = new Native.TimeSpec { Seconds = seconds, Nanoseconds = ns };
        if (Native.UtimensAt(Native.AtFdCwd, path, times, 0) != 0)
        {
            throw new IOException($"utimensat '{path}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void SetOwner(string path, uint uid, uint gid)
    {
        if (Native.LChown(path, uid, gid) != 0)
        {
            throw new IOException($"lchown '{path}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void HardLink(string existing, string newPath)
    {
        if (Native.Link(existing, newPath) != 0)
        {
            throw new IOException($"link '{existing}' '{newPath}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void MakeFifo(string path)
    {
        if (Native.MkFifo(path, 0x1A4) != 0)
        {
            throw new IOException($"mkfifo '{path}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Sets an extended attribute of the entry at <paramref name="path"/> (a symlink not followed).</summary>
    public static unsafe void SetXattr(string path, string name, byte[] value)
    {
        fixed (byte* p = value)
        {
            if (Native.LSetXattr(path, name, p, (nuint)value.Length, 0) != 0)
            {
                throw new IOException($"lsetxattr '{path}' '{name}' failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    /// <summary>The value of an extended attribute of the entry at <paramref name="path"/> (a symlink not followed); null
    /// when it has none of that name.</summary>
    public static unsafe byte[]? GetXattr(string path, string name)
    {
        var value = new byte[65536];
        fixed (byte* p = value)
        {
            nint n = Native.LGetXattr(path, name, p, (nuint)value.Length);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == NoData ? null : throw new IOException($"lgetxattr '{path}' '{name}' failed: errno {errno}");
            }

            return value[..(int)n];
        }
    }

    /// <summary>The data extents (offset, length) as SEEK_DATA/SEEK_HOLE report them, computed by the tests themselves.</summary>
    public static List<(long Offset, long Length)> DataExtents(string path)
    {
        var extents = new List<(long, long)>();
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long size = RandomAccess.GetLength(handle);
        nint fd = handle.DangerousGetHandle();
        long offset = 0;
        while (offset < size)
        {
            long data = Native.LSeek(fd, offset, SeekData);
            if (data < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == Enxio ? extents : throw new IOException($"SEEK_DATA '{path}' failed: errno {errno}");
            }

            long hole = Native.LSeek(fd, data, SeekHole);
            long end = hole < 0 || hole > size ? size : hole;
            extents.Add((data, end - data));
            offset = end;
        }

        return extents;
    }

    /// <summary>Every entry below <paramref name="directory"/> (files, links, directories), relative and sorted.</summary>
    public static List<string> Tree(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, ReturnSpecialDirectories = false })
                .Select(p => Path.GetRelativePath(directory, p))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];

    /// <summary>Names of temporary files the library leaves beside their final places while working.</summary>
    public static List<string> TempFiles(string directory) =>
        Tree(directory)
            .Where(p => Path.GetFileName(p) is var name
                && (name.StartsWith(".content-", StringComparison.Ordinal)
                    || name.StartsWith(".snapshot-", StringComparison.Ordinal)
                    || name.StartsWith(".snapshotter-restore-", StringComparison.Ordinal)
                    || name.StartsWith(".download-", StringComparison.Ordinal)))
            .ToList();
}
