using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Validation;

/// <summary>
/// Relative paths of snapshot entries. They come from callers and, later, from registries: anything that
/// could name a place outside the directory it is joined to is refused.
/// </summary>
internal static class RelativePath
{
    public const int MaxPathBytes = 4095;
    public const int MaxComponentBytes = 255;

    /// <summary>
    /// The canonical form ("a/b/c": no empty or "." components) of a path that stays inside any directory
    /// it is joined to; an invalid-argument error naming the path otherwise.
    /// </summary>
    public static string Normalize(string? path, string field = "relative_path")
    {
        if (string.IsNullOrEmpty(path))
        {
            throw SnapshotterException.InvalidArgument($"{field} is empty");
        }

        if (path[0] == '/')
        {
            throw SnapshotterException.InvalidArgument($"{field} '{path}' is absolute; paths must be relative");
        }

        if (path.Contains('\0'))
        {
            throw SnapshotterException.InvalidArgument($"{field} '{path.Replace("\0", "\\0")}' contains a NUL character");
        }

        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{path}' is longer than {MaxPathBytes} bytes");
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
                throw SnapshotterException.InvalidArgument($"{field} '{path}' contains '..'");
            }

            if (Encoding.UTF8.GetByteCount(part) > MaxComponentBytes)
            {
                throw SnapshotterException.InvalidArgument($"{field} '{path}' has a component longer than {MaxComponentBytes} bytes");
            }

            parts.Add(part);
        }

        return parts.Count == 0
            ? throw SnapshotterException.InvalidArgument($"{field} '{path}' names the directory itself, not a file in it")
            : string.Join('/', parts);
    }

    /// <summary>True when <paramref name="path"/> (absolute, resolved) is <paramref name="root"/> or lies below it.</summary>
    public static bool IsInside(string path, string root) =>
        path == root || (path.StartsWith(root, StringComparison.Ordinal) && (root == "/" || path[root.Length] == '/'));
}
