using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>Reads the extended attributes of an inode by path, the last component never followed (a symlink's own).</summary>
internal static class ExtendedAttributeReader
{
    /// <summary>Attempts at reading a list or value that keeps growing between its size and its read.</summary>
    private const int MaxAttempts = 8;

    /// <summary>
    /// The attributes of <paramref name="path"/> whose names <paramref name="wanted"/> accepts, by name; null when it has
    /// none of them, and on a filesystem without extended attributes. A name that is not UTF-8 is refused, naming it.
    /// </summary>
    public static unsafe List<KeyValuePair<string, byte[]>>? Read(string path, Predicate<string> wanted)
    {
        byte[] pathBytes = PathEncoding.GetNullTerminatedBytes(path);
        fixed (byte* pinned = pathBytes)
        {
            nint p = (nint)pinned;
            byte[]? list = ReadSized(path, "list the extended attributes of", (buffer, size) => Libc.LListXattr((byte*)p, buffer, size));
            if (list is not { Length: > 0 })
            {
                return null;
            }

            List<KeyValuePair<string, byte[]>>? found = null;
            foreach (Range range in list.AsSpan().TrimEnd((byte)0).Split((byte)0))
            {
                byte[] name = list[range];
                if (!Utf8.IsValid(name))
                {
                    throw new SnapshotterException(ErrorCode.Unsupported, $"'{PathEncoding.Printable(path)}' has an extended attribute whose name is not UTF-8 ('{PathEncoding.Printable(PathEncoding.FromBytes(name))}')");
                }

                string text = Encoding.UTF8.GetString(name);
                if (!wanted(text))
                {
                    continue;
                }

                byte[] nameZ = [.. name, 0];
                fixed (byte* pinnedName = nameZ)
                {
                    nint n = (nint)pinnedName;

                    // An attribute removed since the list was read is not there any more: it is left out.
                    byte[]? value = ReadSized(path, $"read extended attribute '{text}' of", (buffer, size) => Libc.LGetXattr((byte*)p, (byte*)n, buffer, size), missingIsNone: true);
                    if (value is not null)
                    {
                        (found ??= []).Add(new(text, value));
                    }
                }
            }

            return found;
        }
    }

    private unsafe delegate nint SizedCall(byte* buffer, nuint size);

    /// <summary>What the first read of a list or value offers: most entries have no attributes or a few short ones, and
    /// then one call reads them (asking for the size first would double the calls for every entry of a tree).</summary>
    private const int FirstReadBytes = 1024;

    /// <summary>A list or value read whole: into <see cref="FirstReadBytes"/> first; when it is longer (ERANGE), its
    /// size, then the read, again while it grew in between. Null when the filesystem keeps no attributes, or (with
    /// <paramref name="missingIsNone"/>) the attribute is gone.</summary>
    private static unsafe byte[]? ReadSized(string path, string operation, SizedCall call, bool missingIsNone = false)
    {
        int bytes = FirstReadBytes;
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
            try
            {
                nint read;
                fixed (byte* b = buffer)
                {
                    read = call(b, (nuint)buffer.Length);
                }

                if (read >= 0)
                {
                    return buffer[..(int)read];
                }

                if (Errno.Last != Errno.ERANGE)
                {
                    return Failed(Errno.Last, path, operation, missingIsNone);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            nint size = call(null, 0);
            if (size < 0)
            {
                return Failed(Errno.Last, path, operation, missingIsNone);
            }

            bytes = (int)size;
        }

        throw new SnapshotterException(ErrorCode.IO, $"the extended attributes of '{PathEncoding.Printable(path)}' kept changing while being read");
    }

    /// <summary>A failed read other than ERANGE: null where there is nothing to read, else the error naming the path.</summary>
    private static byte[]? Failed(int errno, string path, string operation, bool missingIsNone) =>
        errno is Errno.EOPNOTSUPP || (missingIsNone && errno == Errno.ENODATA)
            ? null
            : throw Errno.Exception(errno, operation, PathEncoding.Printable(path));
}
