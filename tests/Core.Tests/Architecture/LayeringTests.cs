using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Architecture;

/// <summary>
/// The folders of src/Core are layers: each uses only folders below it (docs/architecture.md draws the map).
/// A new use of a folder from one below it makes a cycle, and these tests name the files that make it.
/// </summary>
public sealed class LayeringTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CoreFoldersFormNoCycle()
    {
        FolderGraph graph = FolderGraph.Read(CoreDirectory());
        List<List<string>> cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, "src/Core folders that use one another (each must use only folders below it, see docs/architecture.md):\n"
            + string.Join("\n", cycles.Select(c => string.Join(" <-> ", c) + "\n" + string.Join("\n", graph.Explain(c)))));
    }

    [Fact]
    public void CoreNamespacesFollowFolders()
    {
        FolderGraph graph = FolderGraph.Read(CoreDirectory());
        Assert.True(graph.MisplacedNamespaces.Count == 0, string.Join("\n", graph.MisplacedNamespaces));
    }

    [Fact]
    public void ArchitectureMapNamesEveryCoreFolder()
    {
        string map = File.ReadAllText(Path.Join(RepositoryDirectory(), "docs", "architecture.md"));
        string[] missing = FolderGraph.Read(CoreDirectory()).Folders.Where(f => !map.Contains($"`{f}`", StringComparison.Ordinal)).ToArray();
        Assert.True(missing.Length == 0, $"docs/architecture.md does not place these src/Core folders in a layer: {string.Join(", ", missing)}");
    }

    [Fact]
    public void CycleThroughUsingLineIsFound()
    {
        Write("Lower/Thing.cs", "using Snapshotter.Upper;\n\nnamespace Snapshotter.Lower;\n\ninternal sealed class Thing { Widget? _widget; }\n");
        Write("Upper/Widget.cs", "using Snapshotter.Lower;\n\nnamespace Snapshotter.Upper;\n\ninternal sealed class Widget { Thing? _thing; }\n");
        Write("Base/Tool.cs", "namespace Snapshotter.Base;\n\ninternal static class Tool { }\n");

        FolderGraph graph = FolderGraph.Read(_temp.Path);

        Assert.Equal(new List<List<string>> { new() { "Lower", "Upper" } }, graph.Cycles());
        Assert.Contains(graph.Explain(["Lower", "Upper"]), line => line.Contains("Lower -> Upper: " + Path.Join("Lower", "Thing.cs"), StringComparison.Ordinal));
    }

    [Fact]
    public void CycleThroughFolderQualifiedTypeIsFound()
    {
        // Inside Snapshotter.*, "Upper.Widget" names Snapshotter.Upper.Widget without a using line.
        Write("Lower/Thing.cs", "namespace Snapshotter.Lower;\n\ninternal sealed class Thing { Upper.Widget? _widget; }\n");
        Write("Upper/Widget.cs", "using Snapshotter.Lower;\n\nnamespace Snapshotter.Upper;\n\ninternal sealed class Widget { Thing? _thing; }\n");

        Assert.Equal(new List<List<string>> { new() { "Lower", "Upper" } }, FolderGraph.Read(_temp.Path).Cycles());
    }

    [Fact]
    public void MembersNamedLikeFoldersAreNotUses()
    {
        // "Upper.Count" is a member of a property named Upper, not a type of the folder Upper.
        Write("Lower/Thing.cs", "namespace Snapshotter.Lower;\n\ninternal sealed class Thing { public int[] Upper = []; int N => Upper.Length; }\n");
        Write("Upper/Widget.cs", "using Snapshotter.Lower;\n\nnamespace Snapshotter.Upper;\n\ninternal sealed class Widget { Thing? _thing; }\n");

        FolderGraph graph = FolderGraph.Read(_temp.Path);

        Assert.Empty(graph.Cycles());
        Assert.Equal(new[] { "Lower" }, graph.Uses("Upper"));
    }

    [Fact]
    public void NamespaceOutsideItsFolderIsReported()
    {
        Write("Lower/Thing.cs", "namespace Snapshotter.Upper;\n\ninternal sealed class Thing { }\n");

        Assert.Equal(new[] { $"{Path.Join("Lower", "Thing.cs")}: namespace 'Snapshotter.Upper', expected 'Snapshotter.Lower'" }, FolderGraph.Read(_temp.Path).MisplacedNamespaces);
    }

    private void Write(string relativePath, string text)
    {
        string path = _temp.Combine(relativePath.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static string CoreDirectory() => Path.Join(RepositoryDirectory(), "src", "Core");

    private static string RepositoryDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "src", "Core", "Snapshotter.Core.csproj")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"src/Core/Snapshotter.Core.csproj not found above {AppContext.BaseDirectory}");
    }
}
