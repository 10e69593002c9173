using Snapshotter.Errors;
using Snapshotter.IO;

namespace Snapshotter.Validation;

/// <summary>
/// Relative paths of snapshot entries. They come from callers and, later, from registries: anything that
/// could name a place outside the directory it is joined to is refused.
/// </summary>
internal static class RelativePath
{
    public const int MaxPathBytes = 4095;
    public const int MaxComponentBytes = 255;

    /// <summary>Names beginning so are the library's own in the directories it restores into (the incomplete-restore
    /// marker, a restore's temporary files): a snapshot file so named would be taken for one of them, hidden by the
    /// marker or removed as a dead restore's leftover.</summary>
    public const string ReservedPrefix = ".snapshotter-";

    /// <summary>
    /// The canonical form ("a/b/c": no empty or "." components) of a file's path that stays inside any directory
    /// it is joined to; an invalid-argument error naming the path otherwise. A trailing '/' names a directory, never
    /// a file, and components beginning with <see cref="ReservedPrefix"/> are refused.
    /// </summary>
    public static string Normalize(string? path, string field = "relative_path")
    {
        if (string.IsNullOrEmpty(path))
        {
            throw SnapshotterException.InvalidArgument($"{field} is empty");
        }

        if (path[0] == '/')
        {
            throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' is absolute; paths must be relative");
        }

        if (path.Contains('\0'))
        {
            throw SnapshotterException.InvalidArgument($"{field} '{path.Replace("\0", "\\0")}' contains a NUL character");
        }

        // Also refuses a string that stands for no name (see PathEncoding), before its bytes are counted.

        if (PathEncoding.GetByteCount(path) > MaxPathBytes)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' is longer than {MaxPathBytes} bytes");
        }

        // Most paths come canonical already (each path a walk builds, each path read back from a snapshot): one pass over
        // them tells, without splitting and joining them again.
        if (IsCanonical(path))
        {
            return path;
        }

        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' contains '..'");
            }

            if (part.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' uses the reserved name '{part}': names beginning with '{ReservedPrefix}' are the library's own");
            }

            if (PathEncoding.GetByteCount(part) > MaxComponentBytes)
            {
                throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' has a component longer than {MaxComponentBytes} bytes");
            }

            parts.Add(part);
        }

        if (parts.Count == 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' names the directory itself, not a file in it");
        }

        if (path[^1] == '/')
        {
            throw SnapshotterException.InvalidArgument($"{field} '{PathEncoding.Printable(path)}' ends with '/': that names a directory, not a file");
        }

        // A path already in canonical form is returned as it came: an operation keeps every file's path for its whole
        // run, and a second copy of each would cost 100,000 files 6 MB more.
        string canonical = string.Join('/', parts);
        return canonical == path ? path : canonical;
    }

    /// <summary>Whether <see cref="Normalize"/> would return <paramref name="path"/> as it is, for a path without NUL and within
    /// <see cref="MaxPathBytes"/>: no component empty, ".", "..", reserved or possibly longer than
    /// <see cref="MaxComponentBytes"/> (more than a third of that in chars: no char takes more than three bytes). False
    /// sends a path to the full check, which decides.</summary>
    private static bool IsCanonical(string path)
    {
        int start = 0;
        for (int i = 0; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] != '/')
            {
                continue;
            }

            ReadOnlySpan<char> part = path.AsSpan(start, i - start);
            if (part.Length == 0 || part.Length > MaxComponentBytes / 3 || part is "." or ".."
                || part.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                return false;
            }

            start = i + 1;
        }

        return true;
    }

    /// <summary>True when <paramref name="path"/> (absolute, resolved) is <paramref name="root"/> or lies below it.</summary>
    public static bool IsInside(string path, string root) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root == "/" || path[root.Length] == '/'));

    /// <summary>The last name of a canonical relative path, as <see cref="Split"/> gives it, without spelling its directory.</summary>
    public static string NameOf(string relativePath) => relativePath[(relativePath.LastIndexOf('/') + 1)..];

    /// <summary>The directory of a canonical relative path ("" for the root itself) and its last name.</summary>
    public static (string Directory, string Name) Split(string relativePath)
    {
        int slash = relativePath.LastIndexOf('/');
        return slash < 0 ? ("", relativePath) : (relativePath[..slash], relativePath[(slash + 1)..]);
    }
}
