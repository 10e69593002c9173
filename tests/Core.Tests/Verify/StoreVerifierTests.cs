using Snapshotter.Engine;
using Snapshotter.Progress;
using Snapshotter.Tests.Support;
using Snapshotter.Verify;

namespace Snapshotter.Tests.Verify;

/// <summary>Verification finds every kind of damage it names, and repair fixes exactly the repairable ones.</summary>
public sealed class StoreVerifierTests : EngineTestBase
{
    private readonly byte[] _model = TestFiles.Pattern(200_000, 11);
    private readonly byte[] _state = TestFiles.Pattern(150_000, 12);

    private (string Model, string State) SnapshotTwoFiles(SnapshotEngine engine)
    {
        Source("model.bin", _model);
        Source("state.bin", _state);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", true), new FileSpec("state.bin", false)));
        return (Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin")), Spf1Reference.DigestOf(Path.Join(BaseDir, "state.bin")));
    }

    private static void Corrupt(string path)
    {
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length - 1;
        int b = stream.ReadByte();
        stream.Position = stream.Length - 1;
        stream.WriteByte((byte)(b ^ 0xFF));
    }

    private void RestoresExactly(SnapshotEngine engine)
    {
        string output = Temp.Combine("out-" + Guid.NewGuid().ToString("n"));
        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = output });
        Assert.Equal(_model, File.ReadAllBytes(Path.Join(output, "model.bin")));
        Assert.Equal(_state, File.ReadAllBytes(Path.Join(output, "state.bin")));
    }

    [Fact]
    public void A_sound_store_is_clean_and_every_file_was_hashed()
    {
        SnapshotTwoFiles(Engine);
        Source("other.bin", TestFiles.Pattern(1000, 1));
        Snapshot("other", "v1", new FileSpec("other.bin", false));
        var reports = new List<ProgressReport>();

        VerifyReport report = Engine.Verify(new VerifyRequest { Progress = reports.Add });

        Assert.Empty(report.Problems);
        Assert.Equal((2L, 3L, 1L), (report.SnapshotsChecked, report.ContentChecked, report.SnapshotFilesChecked));
        Assert.True(report.BytesChecked > _model.Length * 2L + _state.Length);
        Assert.Equal(report.BytesChecked, reports[^1].BytesTotal);
        Assert.Equal(reports[^1].BytesTotal, reports[^1].BytesDone);
    }

    [Fact]
    public void Corrupt_content_is_reported_and_repair_re_encodes_it_from_the_stored_read_only_file()
    {
        (string model, string state) = SnapshotTwoFiles(Engine);
        Corrupt(ContentPath(model));
        Corrupt(ContentPath(state));

        VerifyReport found = Engine.Verify(new VerifyRequest());
        VerifyReport repaired = Engine.Verify(new VerifyRequest { Repair = true });
        VerifyReport after = Engine.Verify(new VerifyRequest());

        Assert.Equal(
            [(VerifyProblemKind.CorruptContent, model), (VerifyProblemKind.CorruptContent, state), (VerifyProblemKind.UnrestorableSnapshot, "vm:v1")],
            found.Problems.Select(p => (p.Kind, p.Subject)).OrderBy(p => p.Kind).ThenBy(p => p.Item2 == model ? 0 : 1));
        Assert.All(found.Problems, p => Assert.False(p.Repaired));
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.CorruptContent && p.Subject == model && p.Repaired);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.CorruptContent && p.Subject == state && !p.Repaired);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.UnrestorableSnapshot && p.Subject == "vm:v1");
        Assert.Equal(repaired.Unrepaired, after.Problems.Count);
        Assert.True(File.Exists(ContentPath(model)));
        Assert.False(File.Exists(ContentPath(state)));
    }

    [Fact]
    public void Missing_content_is_fetched_again_from_the_content_provider()
    {
        string shared = Temp.CreateDirectory("shared");
        SnapshotEngine engine = OpenEngine(new EngineOptions { RootDir = RootDir, ContentDirectory = shared });
        (string model, string state) = SnapshotTwoFiles(engine);
        File.Delete(ContentPath(model));
        File.Delete(StoredPath(model));
        Corrupt(ContentPath(state));

        VerifyReport repaired = engine.Verify(new VerifyRequest { Repair = true });

        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.MissingContent && p.Subject == model && p.Repaired && p.Message.Contains("fetched", StringComparison.Ordinal));
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.CorruptContent && p.Subject == state && p.Repaired);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.MissingSnapshotFile && p.Subject == model && p.Repaired);
        Assert.Equal(0, repaired.Unrepaired);
        Assert.Empty(engine.Verify(new VerifyRequest()).Problems);
        RestoresExactly(engine);
    }

    [Fact]
    public void A_missing_stored_file_whose_content_is_sound_is_no_problem_and_repair_makes_it()
    {
        // As an import or a pull leaves it: the first restore makes it from the content.
        (string model, _) = SnapshotTwoFiles(Engine);
        File.Delete(StoredPath(model));

        VerifyReport found = Engine.Verify(new VerifyRequest());
        VerifyReport repaired = Engine.Verify(new VerifyRequest { Repair = true });

        Assert.Empty(found.Problems);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.MissingSnapshotFile && p.Subject == model && p.Repaired);
        Assert.True(File.Exists(StoredPath(model)));
        RestoresExactly(Engine);
    }

    [Fact]
    public void A_modified_stored_file_is_removed_and_restores_then_use_the_content()
    {
        (string model, _) = SnapshotTwoFiles(Engine);
        Corrupt(StoredPath(model));

        VerifyReport found = Engine.Verify(new VerifyRequest());
        VerifyReport repaired = Engine.Verify(new VerifyRequest { Repair = true });

        Assert.Equal(VerifyProblemKind.CorruptSnapshotFile, Assert.Single(found.Problems).Kind);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.CorruptSnapshotFile && p.Repaired);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.MissingSnapshotFile && p.Repaired);
        Assert.Empty(Engine.Verify(new VerifyRequest()).Problems);
        RestoresExactly(Engine);
    }

    [Theory]
    [InlineData("mode")]
    [InlineData("owner")]
    public void A_changed_mode_or_owner_of_a_stored_read_only_file_is_reported_and_repair_gives_the_store_a_private_copy(string change)
    {
        string source = Source("model.bin", _model, mode: 0x124);
        Source("state.bin", _state);
        Engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", true), new FileSpec("state.bin", false)));
        string model = Spf1Reference.DigestOf(source);
        string stored = StoredPath(model);
        Assert.True(Inode.Of(stored).IsSameAs(Inode.Of(source)));
        if (change == "mode")
        {
            File.SetUnixFileMode(stored, (UnixFileMode)0x1B6);
        }
        else
        {
            Assert.Equal(0, Native.LChown(stored, 4321, 4321));
        }

        Inode changed = Inode.Of(stored);

        VerifyProblem found = Assert.Single(Engine.Verify(new VerifyRequest()).Problems);
        VerifyReport repaired = Engine.Verify(new VerifyRequest { Repair = true });

        Assert.Equal((VerifyProblemKind.CorruptSnapshotFile, model, false), (found.Kind, found.Subject, found.Repaired));
        Assert.Contains($"has {change}", found.Message, StringComparison.Ordinal);
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.CorruptSnapshotFile && p.Subject == model && p.Repaired);
        Assert.Equal(0, repaired.Unrepaired);
        Assert.Empty(Engine.Verify(new VerifyRequest()).Problems);
        Inode restoredInStore = Inode.Of(stored);
        Assert.Equal((0x124u, 0u, 0u), (restoredInStore.Permissions, restoredInStore.Uid, restoredInStore.Gid));
        Assert.Equal(_model, File.ReadAllBytes(stored));
        // The shared inode (here the user's own file) is never chmodded or chowned: the store stops using it.
        Assert.False(restoredInStore.IsSameAs(changed));
        Inode sourceAfter = Inode.Of(source);
        Assert.Equal((changed.Mode, changed.Uid), (sourceAfter.Mode, sourceAfter.Uid));
        RestoresExactly(Engine);
    }

    [Fact]
    public void Dangling_records_and_stray_files_are_reported_and_only_the_records_repaired()
    {
        SnapshotTwoFiles(Engine);
        var metadata = Snapshotter.Metadata.MetadataStore.Open(Path.Join(RootDir, "metadata"));
        metadata.InsertPending("dead", "v1", 1, "00000000deadbeef", _ => true);
        var ghost = new Snapshotter.Hashing.Digest(0x1234);
        long pending = metadata.InsertPending("ghost", "v1", 1, "00000000deadbeef", _ => true);
        metadata.Commit(pending, [new Snapshotter.Metadata.FileRecord("g", ghost, false, 0x1A4, 0, 0, 1, 1, 0, 0)], [new Snapshotter.Metadata.ContentRecord(ghost, 1, 36)], 1);
        string stray = TestFiles.WriteDense(Path.Join(ContentDir, "notes.txt"), [1]);

        VerifyReport found = Engine.Verify(new VerifyRequest());

        Assert.Contains(found.Problems, p => p.Kind == VerifyProblemKind.DanglingRecord && p.Subject == "pending snapshots");
        Assert.Contains(found.Problems, p => p.Kind == VerifyProblemKind.MissingContent && p.Subject == ghost.ToString());
        Assert.Contains(found.Problems, p => p.Kind == VerifyProblemKind.UnrestorableSnapshot && p.Subject == "ghost:v1");
        Assert.Contains(found.Problems, p => p.Kind == VerifyProblemKind.StrayFile && p.Subject == stray);

        VerifyReport repaired = Engine.Verify(new VerifyRequest { Repair = true });
        Assert.Contains(repaired.Problems, p => p.Kind == VerifyProblemKind.DanglingRecord && p.Repaired);
        Assert.True(File.Exists(stray));
        Assert.DoesNotContain(Engine.Verify(new VerifyRequest()).Problems, p => p.Kind == VerifyProblemKind.DanglingRecord);
    }
}
