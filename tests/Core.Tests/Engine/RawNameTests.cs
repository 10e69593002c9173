using Snapshotter.Engine;
using Snapshotter.IO;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>File names that are not UTF-8 go through snapshot, restore, inspect and diff byte for byte.</summary>
public sealed class RawNameTests : EngineTestBase
{
    /// <summary>The names below <paramref name="directory"/>, as bytes in hex, read by a tool that is not .NET.</summary>
    private static string[] HexNames(string directory) =>
        Tools.Run("python3", "-c", $"import os; print('\\n'.join(sorted(n.hex() for n in os.listdir(b'{directory}'))))")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void A_file_named_in_latin1_is_snapshotted_and_restored_under_its_own_bytes()
    {
        Directory.CreateDirectory(Path.Join(BaseDir, "d"));
        Tools.Run("python3", "-c", $"open(b'{BaseDir}/d/caf\\xe9.txt', 'wb').write(b'latin-1')");
        const string Name = "d/caf\uDCE9.txt";

        Snapshot("raw", "v1", new FileSpec(Name, false));

        string output = Temp.Combine("out");
        Restore("raw", "v1", output);
        Assert.Equal(["636166e92e747874"], HexNames(Path.Join(output, "d")));
        Assert.Equal("latin-1", Tools.Run("python3", "-c", $"import sys; sys.stdout.write(open(b'{output}/d/caf\\xe9.txt', 'rb').read().decode())"));
        SnapshotDetails details = Engine.Inspect(SnapshotReference.Exact("raw", "v1"));
        Assert.Equal([Name], details.Files.Select(f => f.RelativePath));
        Assert.Equal([0x64, 0x2F, 0x63, 0x61, 0x66, 0xE9, 0x2E, 0x74, 0x78, 0x74], PathEncoding.GetBytes(details.Files[0].RelativePath));
        Assert.Empty(Engine.Diff(new DiffRequest { From = SnapshotReference.Exact("raw", "v1"), Directory = output }));
    }
}
