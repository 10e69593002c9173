using Snapshotter.Errors;

namespace Snapshotter.Validation;

/// <summary>
/// A path or glob selecting files of a snapshot, matched against whole relative paths component by component:
/// '*' is any run of characters within a component, '?' one character, '[abc]', '[a-z]' and '[!a-z]' a class,
/// '**' as a whole component any number of components, and '\' makes the next character literal. A pattern
/// selects the files it matches and everything below the directories it matches: "models" and "models/*" both
/// select "models/a/b.bin".
/// </summary>
internal sealed class PathPattern
{
    private readonly string[] _components;

    private PathPattern(string text, string[] components)
    {
        Text = text;
        _components = components;
    }

    public string Text { get; }

    /// <summary>Validates a pattern: relative, no "..", at most <see cref="RelativePath.MaxPathBytes"/> bytes,
    /// brackets closed. Leading "./" and repeated or trailing slashes are ignored.</summary>
    public static PathPattern Parse(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            throw SnapshotterException.InvalidArgument($"{field} is empty");
        }

        if (text[0] == '/')
        {
            throw SnapshotterException.InvalidArgument($"{field} '{text}' is absolute; patterns are relative to the snapshot (drop the leading '/')");
        }

        if (text.Contains('\0') || System.Text.Encoding.UTF8.GetByteCount(text) > RelativePath.MaxPathBytes)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{text.Replace("\0", "\\0")}' contains a NUL character or is longer than {RelativePath.MaxPathBytes} bytes");
        }

        string[] components = text.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(c => c != ".").ToArray();
        if (components.Length == 0)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{text}' names the snapshot's root; omit it to restore everything");
        }

        foreach (string component in components)
        {
            if (component == "..")
            {
                throw SnapshotterException.InvalidArgument($"{field} '{text}' contains '..'");
            }

            if (!ClassesAreClosed(component))
            {
                throw SnapshotterException.InvalidArgument($"{field} '{text}' has a '[' without its ']'");
            }
        }

        return new PathPattern(text, components);
    }

    /// <summary>Whether the pattern selects <paramref name="relativePath"/> (canonical, as a snapshot records it).</summary>
    public bool Selects(string relativePath) => MatchesPrefix(_components, 0, relativePath.Split('/'), 0);

    /// <summary>True when the pattern components from <paramref name="p"/> match the path components from
    /// <paramref name="s"/> or some leading part of them (a directory the pattern selects whole).</summary>
    private static bool MatchesPrefix(string[] pattern, int p, string[] path, int s)
    {
        if (p == pattern.Length)
        {
            return true;
        }

        if (pattern[p] == "**")
        {
            for (int skip = s; skip <= path.Length; skip++)
            {
                if (MatchesPrefix(pattern, p + 1, path, skip))
                {
                    return true;
                }
            }

            return false;
        }

        return s < path.Length && MatchesComponent(pattern[p], 0, path[s], 0) && MatchesPrefix(pattern, p + 1, path, s + 1);
    }

    private static bool MatchesComponent(string pattern, int p, string name, int n)
    {
        while (p < pattern.Length)
        {
            char c = pattern[p];
            if (c == '*')
            {
                for (int rest = n; rest <= name.Length; rest++)
                {
                    if (MatchesComponent(pattern, p + 1, name, rest))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (n == name.Length)
            {
                return false;
            }

            if (c == '?')
            {
                p++;
            }
            else if (c == '[')
            {
                if (!MatchesClass(pattern, ref p, name[n]))
                {
                    return false;
                }
            }
            else
            {
                if (c == '\\' && p + 1 < pattern.Length)
                {
                    c = pattern[++p];
                }

                if (c != name[n])
                {
                    return false;
                }

                p++;
            }

            n++;
        }

        return n == name.Length;
    }

    /// <summary>Matches one character against the class starting at pattern[p] ('['), leaving p after its ']'.</summary>
    private static bool MatchesClass(string pattern, ref int p, char c)
    {
        int end = ClassEnd(pattern, p);
        int i = p + 1;
        bool negated = pattern[i] is '!' or '^';
        if (negated)
        {
            i++;
        }

        bool matched = false;
        while (i < end)
        {
            char low = pattern[i] == '\\' ? pattern[++i] : pattern[i];
            char high = low;
            if (i + 2 < end && pattern[i + 1] == '-')
            {
                i += 2;
                high = pattern[i] == '\\' ? pattern[++i] : pattern[i];
            }

            matched |= c >= low && c <= high;
            i++;
        }

        p = end + 1;
        return matched != negated;
    }

    /// <summary>The index of the ']' closing the class that starts at pattern[start] ('['), or -1. The first member
    /// may be ']' itself, and '\' makes the character after it a member.</summary>
    private static int ClassEnd(string pattern, int start)
    {
        int i = start + 1;
        if (i < pattern.Length && pattern[i] is '!' or '^')
        {
            i++;
        }

        for (bool first = true; i < pattern.Length; i++, first = false)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == ']' && !first)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Every '[' (not escaped) opens a class that is closed.</summary>
    private static bool ClassesAreClosed(string component)
    {
        for (int i = 0; i < component.Length; i++)
        {
            if (component[i] == '\\')
            {
                i++;
            }
            else if (component[i] == '[')
            {
                i = ClassEnd(component, i);
                if (i < 0)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
