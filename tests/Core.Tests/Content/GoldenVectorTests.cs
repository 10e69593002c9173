using System.Globalization;
using Snapshotter.Content;
using Snapshotter.Hashing;
using Snapshotter.Sparse;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Content;

/// <summary>
/// The golden vectors of docs/vectors (docs/format.md, "SPF1" and "Digests"): raw XXH3-64 values, and files made by
/// shell recipes, dense, sparse, punched and preallocated, with their extents, SPF1 bytes and digests. The library's
/// encoder, decoder and content store, the tests' own encoder and the reference xxhsum must all agree with them.
/// </summary>
public sealed class GoldenVectorTests : IDisposable
{
    private const string RawTable = "xxh3.tsv";
    private const string FileTable = "files.tsv";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> RawVectors => GoldenVectors.Names(RawTable);

    public static TheoryData<string> FileVectors => GoldenVectors.Names(FileTable);

    [Theory]
    [MemberData(nameof(RawVectors))]
    public void Xxh3_of_the_raw_input_is_the_golden_value(string name)
    {
        IReadOnlyDictionary<string, string> vector = GoldenVectors.Row(RawTable, name);
        string input = GoldenVectors.Make(vector["recipe"], _temp.Path);

        Assert.Equal(vector["xxh3_64"], XxHash3.HashToUInt64(File.ReadAllBytes(input)).ToString("x16", CultureInfo.InvariantCulture));
        Assert.Equal(vector["xxh3_64"], XxhsumOf(input));
    }

    [Fact]
    public void The_file_vectors_cover_holes_punched_and_preallocated_ranges()
    {
        List<IReadOnlyDictionary<string, string>> files = GoldenVectors.Table(FileTable);

        Assert.Contains(files, f => f["extents"] == "-" && f["size"] != "0");
        Assert.Contains(files, f => f["recipe"].Contains("--punch-hole", StringComparison.Ordinal));
        Assert.Contains(files, f => f["recipe"].StartsWith("fallocate --length", StringComparison.Ordinal));
        Assert.Contains(files, f => f["digest"].Length < Digest.MaxTextLength);
    }

    [Theory]
    [MemberData(nameof(FileVectors))]
    public void The_recipe_makes_a_file_of_the_described_size_and_extents(string name)
    {
        (IReadOnlyDictionary<string, string> vector, string file) = Make(name);

        Assert.Equal(long.Parse(vector["size"], CultureInfo.InvariantCulture), new FileInfo(file).Length);
        Assert.Equal(GoldenVectors.ParseExtents(vector["extents"]), TestFiles.DataExtents(file));
    }

    [Theory]
    [MemberData(nameof(FileVectors))]
    public void Encoder_produces_the_golden_bytes_and_digest(string name)
    {
        (IReadOnlyDictionary<string, string> vector, string file) = Make(name);
        byte[] golden = GoldenVectors.Bytes($"spf1/{name}.spf1");

        Spf1Result result = LibrarySpf1.EncodeFile(file, _temp.Combine("encoded"));

        Assert.Equal(golden, File.ReadAllBytes(_temp.Combine("encoded")));
        Assert.Equal(vector["digest"], result.Digest.ToString());
        Assert.Equal(golden.Length, result.EncodedLength);
        Assert.Equal(new FileInfo(file).Length, result.LogicalSize);
    }

    [Theory]
    [MemberData(nameof(FileVectors))]
    public void Content_store_names_and_fills_the_content_file_as_the_go_library_does(string name)
    {
        (IReadOnlyDictionary<string, string> vector, string file) = Make(name);
        var store = new ContentStore(_temp.Combine("root"), ownerToken: "0123456789abcdef");

        IngestResult result = Ingest(store, file);
        Assert.True(store.PlacePending(result.PendingId!.Value, result.Digest));

        Assert.Equal(vector["digest"], result.Digest.ToString());
        string contentPath = _temp.Combine("root", "storage", "content", "xxh3", vector["digest"]["xxh3:".Length..]);
        Assert.Equal(GoldenVectors.Bytes($"spf1/{name}.spf1"), File.ReadAllBytes(contentPath));
    }

    [Theory]
    [MemberData(nameof(FileVectors))]
    public void Test_reference_encoder_and_xxhsum_agree_with_the_vectors(string name)
    {
        (IReadOnlyDictionary<string, string> vector, string file) = Make(name);
        string golden = GoldenVectors.PathOf($"spf1/{name}.spf1");

        byte[] encoded = Spf1Reference.Encode(file);

        Assert.Equal(File.ReadAllBytes(golden), encoded);
        Assert.Equal(vector["digest"], Spf1Reference.DigestOfEncoded(encoded));
        Assert.Equal(vector["digest"], "xxh3:" + XxhsumOf(golden).TrimStart('0').PadLeft(1, '0'));
    }

    [Theory]
    [MemberData(nameof(FileVectors))]
    public void Decoder_rebuilds_the_file_with_its_holes_from_the_golden_bytes(string name)
    {
        (IReadOnlyDictionary<string, string> vector, string file) = Make(name);
        string decoded = _temp.Combine("decoded");

        Spf1Result result = LibrarySpf1.DecodeFile(GoldenVectors.PathOf($"spf1/{name}.spf1"), decoded, Digest.Parse(vector["digest"]));

        Assert.Equal(vector["digest"], result.Digest.ToString());
        Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(decoded));
        Assert.Equal(GoldenVectors.ParseExtents(vector["extents"]), TestFiles.DataExtents(decoded));
    }

    private (IReadOnlyDictionary<string, string> Vector, string File) Make(string name)
    {
        IReadOnlyDictionary<string, string> vector = GoldenVectors.Row(FileTable, name);
        string directory = _temp.Combine("made");
        Directory.CreateDirectory(directory);
        return (vector, GoldenVectors.Make(vector["recipe"], directory));
    }

    private static IngestResult Ingest(ContentStore store, string path)
    {
        using Snapshotter.IO.UnixFile file = Snapshotter.IO.UnixFile.OpenRead(path);
        return store.Ingest(file, file.Stat(), readOnly: false, new byte[1 << 20], null, CancellationToken.None);
    }

    /// <summary>The 16 zero-padded hex digits `xxhsum -H3 FILE` prints as "XXH3 (FILE) = &lt;hex&gt;".</summary>
    private static string XxhsumOf(string path) => Tools.Run("xxhsum", "-H3", path).Trim().Split(" = ")[^1];
}
