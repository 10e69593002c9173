using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Snapshotter.Errors;
using Snapshotter.Interop;

namespace Snapshotter.IO;

/// <summary>Reads the extended attributes of an inode: by path, by name in an open directory, or through a descriptor; a
/// symlink at the last component is never followed (its own attributes are read).</summary>
internal static class ExtendedAttributeReader
{
    /// <summary>Attempts at reading a list or value that keeps growing between its size and its read.</summary>
    private const int MaxAttempts = 8;

    /// <summary>Whether listxattrat(2) and getxattrat(2) exist here (Linux 6.13): without them a name in a directory is
    /// read by its whole path, which the kernel resolves component by component for every entry of a walk.</summary>
    private static readonly bool HasCallsAt = ProbeCallsAt();

    /// <summary>
    /// The attributes of <paramref name="path"/> whose names <paramref name="wanted"/> accepts, by name; null when it has
    /// none of them, and on a filesystem without extended attributes. A name that is not UTF-8 is refused, naming it.
    /// </summary>
    public static unsafe List<KeyValuePair<string, byte[]>>? Read(string path, Predicate<string> wanted)
    {
        byte[] pathBytes = PathEncoding.GetNullTerminatedBytes(path);
        fixed (byte* pinned = pathBytes)
        {
            return HasNone(Libc.LListXattr(pinned, null, 0)) ? null : ReadByPath(path, (nint)pinned, wanted);
        }
    }

    private static unsafe List<KeyValuePair<string, byte[]>>? ReadByPath(string path, nint p, Predicate<string> wanted) =>
        Read(path, null, wanted, (buffer, size) => Libc.LListXattr((byte*)p, buffer, size), (name, buffer, size) => Libc.LGetXattr((byte*)p, name, buffer, size));

    /// <summary>As <see cref="Read(string, Predicate{string})"/> for the entry <paramref name="nulTerminatedName"/> (its
    /// raw bytes and a NUL) of the open directory <paramref name="directoryFd"/>, whose path is
    /// <paramref name="directoryPath"/>: looked up in that directory alone, or by that path where the kernel cannot.</summary>
    public static unsafe List<KeyValuePair<string, byte[]>>? ReadAt(int directoryFd, string directoryPath, ReadOnlySpan<byte> nulTerminatedName, string nameText, Predicate<string> wanted)
    {
        if (!HasCallsAt)
        {
            return Read($"{directoryPath}/{nameText}", wanted);
        }

        fixed (byte* pinned = nulTerminatedName)
        {
            return HasNone(Libc.ListXattrAt(directoryFd, pinned, Libc.AT_SYMLINK_NOFOLLOW, null, 0))
                ? null
                : ReadByName(directoryFd, directoryPath, (nint)pinned, nameText, wanted);
        }
    }

    /// <summary>Whether the entry <paramref name="nulTerminatedName"/> of the open directory <paramref name="directoryFd"/>
    /// (whose path is <paramref name="directoryPath"/>) holds no extended attribute this process may list, in one call. An
    /// error answers false: a read (<see cref="ReadAt"/>) then reports it.</summary>
    public static unsafe bool HasNoneAt(int directoryFd, string directoryPath, ReadOnlySpan<byte> nulTerminatedName, string nameText)
    {
        if (!HasCallsAt)
        {
            fixed (byte* path = PathEncoding.GetNullTerminatedBytes($"{directoryPath}/{nameText}"))
            {
                return HasNone(Libc.LListXattr(path, null, 0));
            }
        }

        fixed (byte* pinned = nulTerminatedName)
        {
            return HasNone(Libc.ListXattrAt(directoryFd, pinned, Libc.AT_SYMLINK_NOFOLLOW, null, 0));
        }
    }

    private static unsafe List<KeyValuePair<string, byte[]>>? ReadByName(int directoryFd, string directoryPath, nint n, string nameText, Predicate<string> wanted) =>
        Read(directoryPath, nameText, wanted,
            (buffer, size) => Libc.ListXattrAt(directoryFd, (byte*)n, Libc.AT_SYMLINK_NOFOLLOW, buffer, size),
            (attribute, buffer, size) => Libc.GetXattrAt(directoryFd, (byte*)n, Libc.AT_SYMLINK_NOFOLLOW, attribute, buffer, size));

    /// <summary>As <see cref="Read(string, Predicate{string})"/> for the open file or directory <paramref name="fd"/>, whose
    /// path (for messages) is <paramref name="path"/>.</summary>
    public static unsafe List<KeyValuePair<string, byte[]>>? ReadOpen(int fd, string path, Predicate<string> wanted) =>
        HasNone(Libc.FListXattr(fd, null, 0)) ? null : ReadByDescriptor(fd, path, wanted);

    private static unsafe List<KeyValuePair<string, byte[]>>? ReadByDescriptor(int fd, string path, Predicate<string> wanted) =>
        Read(path, null, wanted, (buffer, size) => Libc.FListXattr(fd, buffer, size), (name, buffer, size) => Libc.FGetXattr(fd, name, buffer, size));

    /// <summary>What the size of an inode's list of attribute names says without reading it: nothing to read when the list
    /// is empty or the filesystem keeps none. Most entries of a tree have none, and this answers for them in one call
    /// without the reader's buffers and callbacks; anything else (an error too) is left to the whole read.</summary>
    private static bool HasNone(nint listBytes) => listBytes == 0 || (listBytes < 0 && Errno.Last == Errno.EOPNOTSUPP);

    private unsafe delegate nint GetCall(byte* name, byte* buffer, nuint size);

    /// <summary>The attributes <paramref name="list"/> names and <paramref name="get"/> reads, of the inode at
    /// <paramref name="path"/> (or its entry <paramref name="name"/>, for messages).</summary>
    private static unsafe List<KeyValuePair<string, byte[]>>? Read(string path, string? name, Predicate<string> wanted, SizedCall list, GetCall get)
    {
        byte[]? names = ReadSized(path, name, "list the extended attributes of", list);
        if (names is not { Length: > 0 })
        {
            return null;
        }

        List<KeyValuePair<string, byte[]>>? found = null;
        foreach (Range range in names.AsSpan().TrimEnd((byte)0).Split((byte)0))
        {
            byte[] attribute = names[range];
            if (!Utf8.IsValid(attribute))
            {
                throw new SnapshotterException(ErrorCode.Unsupported, $"'{PathEncoding.Printable(Described(path, name))}' has an extended attribute whose name is not UTF-8 ('{PathEncoding.Printable(PathEncoding.FromBytes(attribute))}')");
            }

            string text = Encoding.UTF8.GetString(attribute);
            if (!wanted(text))
            {
                continue;
            }

            byte[] attributeZ = [.. attribute, 0];
            fixed (byte* pinnedName = attributeZ)
            {
                nint a = (nint)pinnedName;

                // An attribute removed since the list was read is not there any more: it is left out.
                byte[]? value = ReadSized(path, name, $"read extended attribute '{text}' of", (buffer, size) => get((byte*)a, buffer, size), missingIsNone: true);
                if (value is not null)
                {
                    (found ??= []).Add(new(text, value));
                }
            }
        }

        return found;
    }

    /// <summary>Whether the kernel has listxattrat(2): anything but ENOSYS (or EPERM, from a filter that refuses calls it
    /// does not know) says it does.</summary>
    private static unsafe bool ProbeCallsAt()
    {
        fixed (byte* root = "/\0"u8)
        {
            return Libc.ListXattrAt(Libc.AT_FDCWD, root, Libc.AT_SYMLINK_NOFOLLOW, null, 0) >= 0 || Errno.Last is not (Errno.ENOSYS or Errno.EPERM);
        }
    }

    private static string Described(string path, string? name) => name is null ? path : $"{path}/{name}";

    private unsafe delegate nint SizedCall(byte* buffer, nuint size);

    /// <summary>What the first read of a list or value offers: most entries have no attributes or a few short ones, and
    /// then one call reads them (asking for the size first would double the calls for every entry of a tree).</summary>
    private const int FirstReadBytes = 1024;

    /// <summary>A list or value read whole: into <see cref="FirstReadBytes"/> first; when it is longer (ERANGE), its
    /// size, then the read, again while it grew in between. Null when the filesystem keeps no attributes, or (with
    /// <paramref name="missingIsNone"/>) the attribute is gone.</summary>
    private static unsafe byte[]? ReadSized(string path, string? name, string operation, SizedCall call, bool missingIsNone = false)
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
                    return Failed(Errno.Last, Described(path, name), operation, missingIsNone);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            nint size = call(null, 0);
            if (size < 0)
            {
                return Failed(Errno.Last, Described(path, name), operation, missingIsNone);
            }

            bytes = (int)size;
        }

        throw new SnapshotterException(ErrorCode.IO, $"the extended attributes of '{PathEncoding.Printable(Described(path, name))}' kept changing while being read");
    }

    /// <summary>A failed read other than ERANGE: null where there is nothing to read, else the error naming the path.</summary>
    private static byte[]? Failed(int errno, string path, string operation, bool missingIsNone) =>
        errno is Errno.EOPNOTSUPP || (missingIsNone && errno == Errno.ENODATA)
            ? null
            : throw Errno.Exception(errno, operation, PathEncoding.Printable(path));
}
