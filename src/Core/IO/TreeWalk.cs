namespace Snapshotter.IO;

/// <summary>A directory tree read through directory descriptors, symlinks never followed.</summary>
internal static class TreeWalk
{
    /// <summary>
    /// Everything below <paramref name="directory"/> by relative path, directories included (names kept whole, UTF-8 or
    /// not: see <see cref="PathEncoding"/>). A symlink is listed as what it is, never descended into.
    /// </summary>
    public static Dictionary<string, FileStatus> Collect(UnixDirectory directory, CancellationToken cancellation)
    {
        var found = new Dictionary<string, FileStatus>(StringComparer.Ordinal);
        Collect(directory, "", found, cancellation);
        return found;
    }

    private static void Collect(UnixDirectory directory, string relativeDir, Dictionary<string, FileStatus> found, CancellationToken cancellation)
    {
        foreach (UnixDirectory.Entry entry in directory.ReadEntries())
        {
            cancellation.ThrowIfCancellationRequested();
            if (directory.Stat(entry) is not { } status)
            {
                continue;
            }

            string relative = relativeDir.Length == 0 ? entry.Text : $"{relativeDir}/{entry.Text}";
            found[relative] = status;
            if (status.IsDirectory && directory.OpenChild(entry) is { } child)
            {
                using (child)
                {
                    Collect(child, relative, found, cancellation);
                }
            }
        }
    }
}
