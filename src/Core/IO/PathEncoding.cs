using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Snapshotter.Errors;

namespace Snapshotter.IO;

/// <summary>
/// The one conversion between a file name as the kernel has it (bytes, any but NUL) and the string the library
/// keeps in memory. Valid UTF-8 becomes the characters it encodes; each byte of a sequence that is not valid UTF-8
/// becomes the lone surrogate U+DC80..U+DCFF carrying it (PEP 383's "surrogateescape"). No valid UTF-8 decodes to a
/// lone surrogate, so every byte string has exactly one string and comes back from it byte for byte. A string
/// holding other lone surrogates, or escapes of bytes that together are valid UTF-8, stands for no name.
/// </summary>
public static class PathEncoding
{
    private const char FirstEscape = '\uDC80';
    private const char LastEscape = '\uDCFF';

    /// <summary>Names up to this many bytes are converted on the stack.</summary>
    private const int StackBytes = 512;

    /// <summary>The string of a name's bytes.</summary>
    public static string FromBytes(ReadOnlySpan<byte> name)
    {
        if (Utf8.IsValid(name))
        {
            return Encoding.UTF8.GetString(name);
        }

        var text = new StringBuilder(name.Length);
        while (!name.IsEmpty)
        {
            OperationStatus status = Rune.DecodeFromUtf8(name, out Rune rune, out int consumed);
            if (status == OperationStatus.Done)
            {
                text.Append(rune.ToString());
            }
            else
            {
                // The bytes of an invalid sequence are never the start of a valid one: escaping them one by one
                // decodes the rest exactly as stepping a byte at a time would.
                foreach (byte b in name[..consumed])
                {
                    text.Append((char)(0xDC00 + b));
                }
            }

            name = name[consumed..];
        }

        return text.ToString();
    }

    /// <summary>True when <paramref name="name"/> holds no escaped byte: its bytes are its UTF-8.</summary>
    public static bool IsUtf8(string name)
    {
        int surrogate = name.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (surrogate < 0)
        {
            return true;
        }

        for (int i = surrogate; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(name[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The bytes of a name; an invalid-argument error when the string stands for none.</summary>
    public static byte[] GetBytes(string name)
    {
        if (!name.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return Encoding.UTF8.GetBytes(name);
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        return bytes[..Encode(name, bytes)];
    }

    /// <summary>Writes the bytes of a name into <paramref name="destination"/>, which holds at least
    /// <c>Encoding.UTF8.GetMaxByteCount(name.Length)</c> bytes, and returns how many: <see cref="GetBytes(string)"/> without
    /// an array of its own, for a caller encoding many names one after another.</summary>
    public static int GetBytes(string name, Span<byte> destination) =>
        name.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? Encode(name, destination) : Encoding.UTF8.GetBytes(name, destination);

    /// <summary>How many bytes the name has (an invalid-argument error when it stands for none).</summary>
    public static int GetByteCount(string name)
    {
        if (!name.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return Encoding.UTF8.GetByteCount(name);
        }

        int maxBytes = Encoding.UTF8.GetMaxByteCount(name.Length);
        byte[]? rented = maxBytes > StackBytes ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        try
        {
            return Encode(name, rented ?? stackalloc byte[StackBytes]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The bytes of a name followed by a NUL, as path-taking system calls want them; an invalid-argument error
    /// when the string stands for no name or holds a NUL.</summary>
    public static byte[] GetNullTerminatedBytes(string name)
    {
        // One array of the exact size: every path a system call takes is spelled here, one per entry of a walk.
        byte[] bytes;
        int length;
        if (!name.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            length = Encoding.UTF8.GetByteCount(name);
            bytes = new byte[length + 1];
            Encoding.UTF8.GetBytes(name, bytes);
        }
        else
        {
            var escaped = new byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
            length = Encode(name, escaped);
            bytes = escaped[..(length + 1)];
        }

        if (bytes.AsSpan(0, length).Contains((byte)0))
        {
            throw SnapshotterException.InvalidArgument($"path '{Printable(name)}' contains a NUL byte");
        }

        bytes[length] = 0;
        return bytes;
    }

    /// <summary>"" NUL-terminated: the empty path that, with AT_EMPTY_PATH, names a descriptor itself.</summary>
    public static readonly byte[] EmptyPath = [0];

    /// <summary>The name for messages and logs: escaped bytes shown as \xHH, everything else as is.</summary>
    public static string Printable(string name)
    {
        if (IsUtf8(name))
        {
            return name;
        }

        var text = new StringBuilder(name.Length + 8);
        foreach (char c in name)
        {
            if (c is >= FirstEscape and <= LastEscape)
            {
                text.Append("\\x").Append(((int)c - 0xDC00).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>The name as valid UTF-8 text, every escaped byte replaced by U+FFFD: what Go's encoding/json writes
    /// for such a name, and what readers that know nothing of escapes see.</summary>
    public static string Lossy(string name)
    {
        if (IsUtf8(name))
        {
            return name;
        }

        var text = new StringBuilder(name.Length);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                text.Append(c).Append(name[++i]);
            }
            else
            {
                text.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return text.ToString();
    }

    private static int Encode(string name, Span<byte> destination)
    {
        int written = 0;
        bool escaped = false;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c is >= FirstEscape and <= LastEscape)
            {
                destination[written++] = (byte)(c - 0xDC00);
                escaped = true;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                written += Encoding.UTF8.GetBytes(name.AsSpan(i, 2), destination[written..]);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw SnapshotterException.InvalidArgument($"'{Printable(name)}' holds U+{(int)c:X4}, which stands for no byte of a file name");
            }
            else
            {
                written += Encoding.UTF8.GetBytes(name.AsSpan(i, 1), destination[written..]);
            }
        }

        if (escaped && FromBytes(destination[..written]) != name)
        {
            throw SnapshotterException.InvalidArgument($"'{Printable(name)}' escapes bytes that are valid UTF-8 together; write them as the characters they encode");
        }

        return written;
    }
}
