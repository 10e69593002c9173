using System.Text;
using Snapshotter.Errors;

namespace Snapshotter.Lifecycle;

/// <summary>
/// Labels as containerd keeps them: a label set to "" is not kept, and a snapshot's labels take at most
/// <see cref="MaxTotalBytes"/> (names and values, UTF-8), so a label set cannot grow the metadata without bound.
/// </summary>
internal static class Labels
{
    public const int MaxTotalBytes = 4096;

    /// <summary>The labels to keep of <paramref name="labels"/> (by name), refused when a name is empty or they are too big.</summary>
    public static SortedDictionary<string, string> Validate(IReadOnlyDictionary<string, string>? labels, string key)
    {
        var kept = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach ((string name, string value) in labels ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrEmpty(name))
            {
                throw SnapshotterException.InvalidArgument($"a label of '{key}' has an empty name");
            }

            if (value.Length > 0)
            {
                kept[name] = value;
                bytes += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value);
            }
        }

        if (bytes > MaxTotalBytes)
        {
            throw SnapshotterException.InvalidArgument($"the labels of '{key}' take {bytes} bytes, more than the {MaxTotalBytes} a snapshot may have");
        }

        return kept;
    }

    /// <summary>
    /// containerd's update: without <paramref name="fieldPaths"/> the labels become <paramref name="given"/>; with them,
    /// "labels" replaces them all and "labels.NAME" sets NAME to its value in <paramref name="given"/> (removing it when
    /// it has none there). Any other field is immutable: INVALID_ARGUMENT.
    /// </summary>
    public static SortedDictionary<string, string> Update(string key, IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string>? given, IReadOnlyList<string>? fieldPaths)
    {
        given ??= new Dictionary<string, string>();
        if (fieldPaths is null or { Count: 0 })
        {
            return Validate(given, key);
        }

        var labels = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (string path in fieldPaths)
        {
            if (path.StartsWith("labels.", StringComparison.Ordinal))
            {
                string name = path["labels.".Length..];
                labels[name] = given.GetValueOrDefault(name) ?? "";
            }
            else if (path == "labels")
            {
                labels = new Dictionary<string, string>(given, StringComparer.Ordinal);
            }
            else
            {
                throw SnapshotterException.InvalidArgument($"cannot update field '{path}' of '{key}': only labels ('labels', 'labels.NAME') can change");
            }
        }

        return Validate(labels, key);
    }
}
