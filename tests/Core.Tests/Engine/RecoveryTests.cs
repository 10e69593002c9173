using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.IO;
using Snapshotter.Metadata;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>
/// What a handle leaves when its process dies (a pending reservation, temporary files) must not block its
/// name nor pile up; what a live handle has in progress must be left alone.
/// </summary>
public sealed class RecoveryTests : EngineTestBase
{
    private const string DeadToken = "00000000deadbeef";
    private const string Random16 = "0123456789abcdef";

    private string OwnersDir => Path.Join(RootDir, "metadata", "owners");

    private MetadataStore Metadata() => MetadataStore.Open(Path.Join(RootDir, "metadata"));

    private void CreateLayout() => OpenEngine().Dispose();

    /// <summary>The lock file a killed process leaves: present, but nobody holds its lock.</summary>
    private void PlantDeadOwner() => File.WriteAllBytes(Path.Join(OwnersDir, DeadToken + ".lock"), []);

    private (string Content, string Snapshot) PlantTemps(string token) =>
        (TestFiles.WriteDense(Path.Join(ContentDir, $".content-{token}-{Random16}"), [1, 2, 3]),
         TestFiles.WriteDense(Path.Join(SnapshotDir, $".snapshot-{token}-{Random16}"), [4, 5, 6]));

    [Fact]
    public void Opening_removes_a_dead_owners_temp_files_and_its_reservation_does_not_block_the_name()
    {
        CreateLayout();
        PlantDeadOwner();
        Metadata().InsertPending("crashed", "v1", 1, DeadToken, _ => true);
        (string content, string snapshot) = PlantTemps(DeadToken);
        Source("a.txt", "a"u8.ToArray());

        SnapshotEngine engine = OpenEngine();

        Assert.False(File.Exists(content));
        Assert.False(File.Exists(snapshot));
        Assert.False(File.Exists(Path.Join(OwnersDir, DeadToken + ".lock")));
        engine.Snapshot(SnapshotOf("crashed", "v1", BaseDir, new FileSpec("a.txt", false)));
        engine.Restore(new RestoreRequest { Name = "crashed", Version = "v1", OutputDir = Temp.Combine("out") });
        Assert.Equal("a"u8.ToArray(), File.ReadAllBytes(Temp.Combine("out", "a.txt")));
    }

    [Fact]
    public void A_reservation_whose_owner_dies_while_the_engine_is_open_is_taken_over()
    {
        SnapshotEngine engine = Engine;
        using (OwnerLock owner = OwnerLock.Acquire(OwnersDir))
        {
            Metadata().InsertPending("crashed", "v1", 1, owner.Token, _ => true);
            Source("a.txt", "a"u8.ToArray());
            SnapshotterException e = Expect.Error(ErrorCode.AlreadyExists, () => engine.Snapshot(SnapshotOf("crashed", "v1", BaseDir, new FileSpec("a.txt", false))));
            Assert.Contains("crashed:v1", e.Message, StringComparison.Ordinal);
        }

        engine.Snapshot(SnapshotOf("crashed", "v1", BaseDir, new FileSpec("a.txt", false)));
        Assert.Equal(1, engine.Restore(new RestoreRequest { Name = "crashed", Version = "v1" }).Files);
    }

    [Fact]
    public void Temp_files_of_an_owner_whose_lock_file_is_already_gone_are_left_to_the_collector()
    {
        CreateLayout();
        (string content, string snapshot) = PlantTemps(DeadToken);

        SnapshotEngine engine = OpenEngine();

        // No dead owner's lock file: opening does not list the store's directories.
        Assert.True(File.Exists(content));
        Assert.True(File.Exists(snapshot));
        Assert.Equal(2, engine.Collect(dryRun: false).OrphanTempFiles);
        Assert.False(File.Exists(content));
        Assert.False(File.Exists(snapshot));
    }

    [Fact]
    public void A_live_owners_temp_files_and_reservation_are_left_alone()
    {
        CreateLayout();
        using OwnerLock live = OwnerLock.Acquire(OwnersDir);
        Metadata().InsertPending("busy", "v1", 1, live.Token, _ => true);
        (string content, string snapshot) = PlantTemps(live.Token);
        Source("a.txt", "a"u8.ToArray());

        SnapshotEngine engine = OpenEngine();

        Assert.True(File.Exists(content));
        Assert.True(File.Exists(snapshot));
        Expect.Error(ErrorCode.AlreadyExists, () => engine.Snapshot(SnapshotOf("busy", "v1", BaseDir, new FileSpec("a.txt", false))));
        Expect.Error(ErrorCode.NotFound, () => engine.Restore(new RestoreRequest { Name = "busy", Version = "v1" }));
    }

    [Fact]
    public void Committed_snapshots_are_never_recovered_away()
    {
        Source("a.txt", "a"u8.ToArray());
        Snapshot("kept", "v1", new FileSpec("a.txt", false));
        Engine.Dispose();
        PlantDeadOwner();

        SnapshotEngine engine = OpenEngine();

        Assert.Equal(1, engine.Restore(new RestoreRequest { Name = "kept", Version = "v1" }).Files);
        Expect.Error(ErrorCode.AlreadyExists, () => engine.Snapshot(SnapshotOf("kept", "v1", BaseDir, new FileSpec("a.txt", false))));
    }
}
