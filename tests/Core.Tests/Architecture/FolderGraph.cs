using System.Text.RegularExpressions;

namespace Snapshotter.Tests.Architecture;

/// <summary>
/// Which folders of a C# tree use which, read from the source: folder A uses folder B when a file of A names
/// the namespace <c>Snapshotter.B</c> (a <c>using</c> line, an alias, a fully qualified name) or a type of B
/// through its folder (<c>B.SomeType</c>, which inside <c>Snapshotter.*</c> resolves to <c>Snapshotter.B.SomeType</c>).
/// A file belongs to the folder its namespace names, so the graph relies on namespaces following folders,
/// which <see cref="MisplacedNamespaces"/> checks.
/// </summary>
public sealed partial class FolderGraph
{
    private const string RootNamespace = "Snapshotter";

    private readonly Dictionary<string, Dictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

    private FolderGraph(IReadOnlyList<string> folders, IReadOnlyList<string> misplaced)
    {
        Folders = folders;
        MisplacedNamespaces = misplaced;
    }

    /// <summary>The top-level folders holding C# files, sorted.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Files whose namespace does not name their top-level folder, as "path: namespace".</summary>
    public IReadOnlyList<string> MisplacedNamespaces { get; }

    /// <summary>For each folder, the folders it uses and, for each, the files that do (relative paths).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, SortedSet<string>>> Edges => _edges;

    public static FolderGraph Read(string root)
    {
        var files = new List<(string Folder, string RelativePath, string Namespace, string Text)>();
        foreach (string path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, path);
            string[] parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length < 2 || parts.Contains("obj") || parts.Contains("bin"))
            {
                continue;
            }

            string text = File.ReadAllText(path);
            Match ns = NamespaceLine().Match(text);
            files.Add((parts[0], relative, ns.Success ? ns.Groups[1].Value : "", text));
        }

        var typesByFolder = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var misplaced = new List<string>();
        foreach (var file in files)
        {
            string expected = RootNamespace + "." + file.Folder;
            if (file.Namespace != expected && !file.Namespace.StartsWith(expected + ".", StringComparison.Ordinal))
            {
                misplaced.Add($"{file.RelativePath}: namespace '{file.Namespace}', expected '{expected}'");
            }

            HashSet<string> types = typesByFolder.TryGetValue(file.Folder, out var known) ? known : typesByFolder[file.Folder] = new(StringComparer.Ordinal);
            foreach (Match declaration in TopLevelType().Matches(file.Text))
            {
                types.Add(declaration.Groups[1].Value);
            }
        }

        var graph = new FolderGraph(typesByFolder.Keys.Order(StringComparer.Ordinal).ToList(), misplaced);
        foreach (var file in files)
        {
            foreach (Match name in QualifiedName().Matches(file.Text))
            {
                graph.Add(file.Folder, name.Groups[1].Value, file.RelativePath);
            }

            foreach (Match name in FolderQualifiedType().Matches(file.Text))
            {
                string folder = name.Groups[1].Value;
                if (typesByFolder.TryGetValue(folder, out var types) && types.Contains(name.Groups[2].Value))
                {
                    graph.Add(file.Folder, folder, file.RelativePath);
                }
            }
        }

        return graph;
    }

    /// <summary>Every set of two or more folders that reach one another (Tarjan's strongly connected components),
    /// each sorted by name.</summary>
    public List<List<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<List<string>>();
        var nodes = new SortedSet<string>(_edges.Keys.Concat(_edges.Values.SelectMany(e => e.Keys)), StringComparer.Ordinal);

        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            onStack.Add(node);
            foreach (string next in Uses(node))
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (onStack.Contains(next))
                {
                    low[node] = Math.Min(low[node], index[next]);
                }
            }

            if (low[node] == index[node])
            {
                var component = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    component.Add(member);
                }
                while (member != node);

                if (component.Count > 1)
                {
                    component.Sort(StringComparer.Ordinal);
                    cycles.Add(component);
                }
            }
        }

        foreach (string node in nodes)
        {
            if (!index.ContainsKey(node))
            {
                Visit(node);
            }
        }

        return cycles;
    }

    /// <summary>The folders <paramref name="folder"/> uses, sorted.</summary>
    public IEnumerable<string> Uses(string folder) =>
        _edges.TryGetValue(folder, out var uses) ? uses.Keys.Order(StringComparer.Ordinal) : [];

    /// <summary>One line per edge inside <paramref name="cycle"/>, with the files that make it: what to move.</summary>
    public IEnumerable<string> Explain(IReadOnlyCollection<string> cycle) =>
        from user in cycle
        from used in Uses(user)
        where cycle.Contains(used)
        select $"  {user} -> {used}: {string.Join(", ", _edges[user][used])}";

    private void Add(string from, string to, string file)
    {
        if (from == to)
        {
            return;
        }

        Dictionary<string, SortedSet<string>> uses = _edges.TryGetValue(from, out var known) ? known : _edges[from] = new(StringComparer.Ordinal);
        (uses.TryGetValue(to, out var files) ? files : uses[to] = new(StringComparer.Ordinal)).Add(file);
    }

    [GeneratedRegex(@"^namespace\s+([A-Za-z0-9_.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    /// <summary>A type declared at the file's top level (file-scoped namespaces leave those unindented).</summary>
    [GeneratedRegex(@"^(?:(?:public|internal|static|sealed|abstract|readonly|partial|unsafe|ref)\s+)*(?:record\s+struct|record\s+class|record|class|struct|interface|enum)\s+([A-Z][A-Za-z0-9_]*)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"\bSnapshotter\.([A-Z][A-Za-z0-9]*)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])([A-Z][A-Za-z0-9]*)\.([A-Z][A-Za-z0-9_]*)\b")]
    private static partial Regex FolderQualifiedType();
}
