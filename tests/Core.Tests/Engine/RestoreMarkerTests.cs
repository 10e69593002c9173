using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>A restore that did not finish says so in its output dir, and the next restore that finishes clears it up.</summary>
public sealed class RestoreMarkerTests : EngineTestBase
{
    private const string Marker = ".snapshotter-incomplete-restore";

    [Fact]
    public void A_finished_restore_leaves_no_marker()
    {
        Source("a.txt", "a"u8.ToArray());
        Snapshot("s", "v1", new FileSpec("a.txt", false));
        string output = Temp.Combine("out");

        Restore("s", "v1", output);

        Assert.Equal(["a.txt"], TestFiles.Tree(output));
    }

    [Fact]
    public void A_restore_that_failed_after_placing_files_leaves_the_marker_until_a_restore_finishes()
    {
        byte[] state = TestFiles.Pattern(100_000, 3);
        Source("a-model.bin", TestFiles.Pattern(100_000, 2));
        string stateSource = Source("b-state.bin", state);
        SnapshotEngine engine = OpenEngine(concurrency: 1);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("a-model.bin", true), new FileSpec("b-state.bin", false)));
        string content = ContentPath(Spf1Reference.DigestOf(stateSource));
        byte[] good = File.ReadAllBytes(content);
        File.SetUnixFileMode(content, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        byte[] bad = (byte[])good.Clone();
        bad[^1] ^= 0xFF;
        File.WriteAllBytes(content, bad);
        string output = Temp.Combine("out");

        Expect.Error(ErrorCode.Corrupt, () => engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = output }));

        Assert.Equal([Marker, "a-model.bin"], TestFiles.Tree(output));
        Assert.Equal("vm:v1\n", File.ReadAllText(Path.Join(output, Marker)));

        // What a killed restore leaves besides: a temporary file named with its dead owner's token.
        string deadTemp = TestFiles.WriteDense(Path.Join(output, ".snapshotter-restore-00000000deadbeef-0123456789abcdef"), [1]);
        File.WriteAllBytes(content, good);
        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = output });

        Assert.Equal(["a-model.bin", "b-state.bin"], TestFiles.Tree(output));
        Assert.False(File.Exists(deadTemp));
        Assert.Equal(state, File.ReadAllBytes(Path.Join(output, "b-state.bin")));
    }

    [Fact]
    public void A_restore_with_nothing_to_write_still_clears_a_stale_marker()
    {
        Source("a.txt", "a"u8.ToArray());
        Snapshot("s", "v1", new FileSpec("a.txt", false));
        string output = Temp.Combine("out");
        Restore("s", "v1", output);
        File.WriteAllText(Path.Join(output, Marker), "s:v1\n");

        Restore("s", "v1", output);

        Assert.Equal(["a.txt"], TestFiles.Tree(output));
    }

    [Fact]
    public void The_marker_stays_while_another_restore_into_the_dir_is_at_work()
    {
        string output = Temp.CreateDirectory("out");
        using RestoreMarker first = RestoreMarker.Enter(output, "a:v1");
        using (RestoreMarker second = RestoreMarker.Enter(output, "b:v1"))
        {
            Assert.False(first.WasPresent);
            Assert.True(second.WasPresent);
            first.Complete();
            Assert.True(File.Exists(Path.Join(output, Marker)));
            second.Complete();
        }

        Assert.False(File.Exists(Path.Join(output, Marker)));
        using RestoreMarker third = RestoreMarker.Enter(output, "c:v1");
        Assert.False(third.WasPresent);
        Assert.Equal("c:v1\n", File.ReadAllText(Path.Join(output, Marker)));
    }
}
