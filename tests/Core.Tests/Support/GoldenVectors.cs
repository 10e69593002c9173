namespace Snapshotter.Tests.Support;

/// <summary>
/// The golden vectors of docs/vectors (described in docs/format.md), copied beside the test binary: tab-separated
/// tables whose first line after the '#' comments names the columns, and the exact bytes they point to.
/// </summary>
internal static class GoldenVectors
{
    public static string PathOf(string relativePath) => Path.Join(AppContext.BaseDirectory, "vectors", relativePath);

    public static byte[] Bytes(string relativePath) => File.ReadAllBytes(PathOf(relativePath));

    /// <summary>The rows of a table, each as column name to value.</summary>
    public static List<IReadOnlyDictionary<string, string>> Table(string relativePath)
    {
        string[] lines = File.ReadAllLines(PathOf(relativePath)).Where(line => line.Length > 0 && !line.StartsWith('#')).ToArray();
        string[] columns = lines[0].Split('\t');
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (string line in lines[1..])
        {
            string[] values = line.Split('\t');
            if (values.Length != columns.Length)
            {
                throw new InvalidDataException($"{relativePath}: '{line}' has {values.Length} columns, the header {columns.Length}");
            }

            rows.Add(columns.Zip(values).ToDictionary(pair => pair.First, pair => pair.Second));
        }

        return rows;
    }

    /// <summary>The row of a table whose first column is <paramref name="name"/>.</summary>
    public static IReadOnlyDictionary<string, string> Row(string relativePath, string name) =>
        Table(relativePath).Single(row => row.Values.First() == name);

    /// <summary>The first column of every row, as xunit theory data.</summary>
    public static TheoryData<string> Names(string relativePath) => new(Table(relativePath).Select(row => row.Values.First()));

    /// <summary>Runs a vector's recipe under `sh -e` in <paramref name="directory"/> (empty) and returns the file f it makes.</summary>
    public static string Make(string recipe, string directory)
    {
        Tools.Run("sh", ["-ec", recipe], stdin: null, workingDirectory: directory, environment: null);
        return Path.Join(directory, "f");
    }

    /// <summary>"offset+length offset+length", or "-" for none, as files.tsv writes extents.</summary>
    public static List<(long Offset, long Length)> ParseExtents(string text) =>
        text == "-"
            ? []
            : text.Split(' ').Select(extent => extent.Split('+')).Select(parts => (long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture))).ToList();
}
