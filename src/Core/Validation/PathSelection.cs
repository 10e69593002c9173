using Snapshotter.Errors;

namespace Snapshotter.Validation;

/// <summary>The paths and globs a partial restore is limited to: a path is selected when any pattern selects it.</summary>
internal sealed class PathSelection
{
    private readonly PathPattern[] _patterns;

    private PathSelection(PathPattern[] patterns)
    {
        _patterns = patterns;
    }

    /// <summary>The selection of these patterns, or null (everything) when there are none.</summary>
    public static PathSelection? Create(IReadOnlyList<string>? patterns, string field = "only")
    {
        return patterns is null || patterns.Count == 0
            ? null
            : new PathSelection(patterns.Select((p, i) => PathPattern.Parse(p, $"{field}[{i}]")).ToArray());
    }

    public bool Selects(string relativePath) => Array.Exists(_patterns, p => p.Selects(relativePath));

    /// <summary>The selected items, in order. A pattern that selects none of them is NOT_FOUND naming it: a typo
    /// must not pass for an empty restore.</summary>
    public List<T> Select<T>(IReadOnlyList<T> items, Func<T, string> relativePath, string what)
    {
        var used = new bool[_patterns.Length];
        var selected = new List<T>();
        foreach (T item in items)
        {
            bool any = false;
            for (int i = 0; i < _patterns.Length; i++)
            {
                if (_patterns[i].Selects(relativePath(item)))
                {
                    used[i] = any = true;
                }
            }

            if (any)
            {
                selected.Add(item);
            }
        }

        int unused = Array.IndexOf(used, false);
        return unused < 0
            ? selected
            : throw SnapshotterException.NotFound($"'{_patterns[unused].Text}' matches no file of {what}");
    }
}
