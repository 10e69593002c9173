using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Every fault dfdaemon can show ends in a clear error naming the digest (and a retry that succeeds once the
/// fault is gone), never in a corrupt or partial file in the store or the output dir.
/// </summary>
public sealed class DragonflyFaultTests : DragonflyTestBase
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG-secret";
    private readonly byte[] _model = TestFiles.Pattern(600_000, 21);
    private string _digest = "";

    [Theory]
    [InlineData("abort", ErrorCode.Unavailable, "peer went away mid-stream")]
    [InlineData("reset", ErrorCode.Unavailable, "reset the stream")]
    [InlineData("corrupt", ErrorCode.Corrupt, "does not match its digest")]
    [InlineData("truncate", ErrorCode.Corrupt, "announced 600036 bytes but delivered")]
    [InlineData("nolink", ErrorCode.Unavailable, "is not there")]
    public void A_failed_download_leaves_nothing_and_a_retry_succeeds(string kind, ErrorCode code, string mention)
    {
        (SnapshotEngine engine, DfdaemonStandIn nodeB) = SnapshotThenMoveToNodeB();
        nodeB.Fault("download", kind, after: 3, times: 1);

        SnapshotterException e = Expect.Error(code, () => RestoreInto(engine, "out"));

        Assert.Contains(_digest, e.Message, StringComparison.Ordinal);
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
        AssertNothingLeft("out");

        RestoreInto(engine, "out");
        Assert.Equal(_model, File.ReadAllBytes(Temp.Combine("out", "model.bin")));
    }

    [Fact]
    public void A_stalled_download_times_out_and_dfdaemon_sees_the_call_end()
    {
        (_, DfdaemonStandIn nodeB) = SnapshotThenMoveToNodeB();
        using SnapshotEngine engine = OpenDragonfly(OptionsFor(nodeB) with { Timeout = TimeSpan.FromSeconds(1) });
        nodeB.Fault("download", "stall", after: 2);

        SnapshotterException e = Expect.Error(ErrorCode.Timeout, () => RestoreInto(engine, "out"));

        Assert.Contains(_digest, e.Message, StringComparison.Ordinal);
        Assert.Contains("did not finish within 1 s", e.Message, StringComparison.Ordinal);
        nodeB.WaitForEvents("cancelled");
        engine.Dispose();
        AssertNothingLeft("out");
    }

    [Theory]
    [InlineData(5, ErrorCode.NotFound)]
    [InlineData(14, ErrorCode.Unavailable)]
    [InlineData(7, ErrorCode.PermissionDenied)]
    [InlineData(4, ErrorCode.Timeout)]
    [InlineData(13, ErrorCode.Unavailable)]
    [InlineData(16, ErrorCode.Unauthenticated)]
    public void A_refused_download_maps_its_status_and_names_the_digest(int status, ErrorCode code)
    {
        (SnapshotEngine engine, DfdaemonStandIn nodeB) = SnapshotThenMoveToNodeB();
        nodeB.Fault("download", "refuse", code: status, message: "scheduler says no");

        SnapshotterException e = Expect.Error(code, () => RestoreInto(engine, "out"));

        Assert.Contains(_digest, e.Message, StringComparison.Ordinal);
        Assert.Contains("scheduler says no", e.Message, StringComparison.Ordinal);
        Assert.Contains(nodeB.Target, e.Message, StringComparison.Ordinal);
        AssertNothingLeft("out");
    }

    [Fact]
    public void An_object_missing_from_object_storage_is_not_found_naming_the_digest()
    {
        (SnapshotEngine engine, _) = SnapshotThenMoveToNodeB();
        File.Delete(ObjectPath(_digest));

        SnapshotterException e = Expect.Error(ErrorCode.NotFound, () => RestoreInto(engine, "out"));

        Assert.Contains(_digest, e.Message, StringComparison.Ordinal);
        AssertNothingLeft("out");
    }

    [Fact]
    public void A_root_on_another_filesystem_than_dfdaemons_storage_fails_with_exdev_and_says_why()
    {
        // /dev/shm is tmpfs, the temp dir is not: dfdaemon's hardlink into the staging dir cannot work.
        string storage = Directory.CreateDirectory(Path.Join("/dev/shm", "snapshotter-tests-" + Guid.NewGuid().ToString("N"))).FullName;
        try
        {
            Assert.NotEqual(Inode.Of(storage).Device, Inode.Of(Temp.Path).Device);
            (SnapshotEngine engine, _) = SnapshotThenMoveToNodeB(nodeBStorage: storage);

            SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => RestoreInto(engine, "out"));

            Assert.Contains("Invalid cross-device link (os error 18)", e.Message, StringComparison.Ordinal);
            Assert.Contains("root_dir must be on the filesystem of dfdaemon's storage", e.Message, StringComparison.Ordinal);
            AssertNothingLeft("out");
        }
        finally
        {
            Directory.Delete(storage, recursive: true);
        }
    }

    [Fact]
    public void A_storage_dir_dfdaemon_cannot_reach_fails_naming_it()
    {
        (_, DfdaemonStandIn nodeB) = SnapshotThenMoveToNodeB();
        string wrong = Temp.Combine("not-mounted");
        using SnapshotEngine engine = OpenDragonfly(OptionsFor(nodeB) with { StorageDir = wrong });

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => RestoreInto(engine, "out"));

        Assert.Contains("No such file or directory (os error 2)", e.Message, StringComparison.Ordinal);
        Assert.Contains($"check that storage_dir '{wrong}' is where dfdaemon sees root_dir", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(wrong), "dfdaemon never creates parent directories");
    }

    [Fact]
    public void A_failed_upload_leaves_no_snapshot_and_a_retry_succeeds()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(dfdaemon);
        Source("model.bin", _model);
        dfdaemon.Fault("upload", "refuse", times: 1, code: 14, message: "object storage unreachable");
        SnapshotRequest request = SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", false));

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => engine.Snapshot(request));

        Assert.Contains(Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin")), e.Message, StringComparison.Ordinal);
        Assert.Contains("object storage unreachable", e.Message, StringComparison.Ordinal);
        Expect.Error(ErrorCode.NotFound, () => engine.Restore(new RestoreRequest { Name = "vm", Version = "v1" }));
        engine.Snapshot(request);
        Assert.True(File.Exists(ObjectPath(Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin")))));
    }

    [Fact]
    public async Task A_cancelled_restore_stops_its_download_and_leaves_nothing()
    {
        (SnapshotEngine engine, DfdaemonStandIn nodeB) = SnapshotThenMoveToNodeB();
        nodeB.Fault("download", "hold", after: 1);
        using var cancel = new CancellationTokenSource();
        var restore = Task.Run(() => engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine("out") }, cancel.Token));
        nodeB.WaitForEvents("held");

        cancel.Cancel();

        var e = await Assert.ThrowsAsync<SnapshotterException>(() => restore.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(ErrorCode.Cancelled, e.Code);
        nodeB.WaitForEvents("cancelled");
        nodeB.Release();
        engine.Dispose();
        AssertNothingLeft("out");
    }

    [Fact]
    public void The_access_key_secret_never_appears_in_errors_even_when_dfdaemon_echoes_it()
    {
        (_, DfdaemonStandIn nodeB) = SnapshotThenMoveToNodeB();
        using SnapshotEngine engine = OpenDragonfly(OptionsFor(nodeB) with { AccessKeyId = "AKID", AccessKeySecret = Secret });
        nodeB.Fault("download", "refuse", code: 16, message: $"signature does not match for secret {Secret}");
        SnapshotterException e = Expect.Error(ErrorCode.Unauthenticated, () => engine.Restore(new RestoreRequest { Name = "vm", Version = "v1" }));

        Assert.DoesNotContain(Secret, e.ToString(), StringComparison.Ordinal);
        Assert.Contains("secret <access key secret>", e.Message, StringComparison.Ordinal);
        Assert.Equal(Secret, (string)nodeB.Requests("DownloadPersistentTask").Single()["object_storage"]!["access_key_secret"]!);
    }

    /// <summary>Snapshots model.bin through node A's dfdaemon, deletes it from the local store, and returns an
    /// engine on the same root through node B's dfdaemon (same object storage, empty task storage).</summary>
    private (SnapshotEngine Engine, DfdaemonStandIn NodeB) SnapshotThenMoveToNodeB(string? nodeBStorage = null)
    {
        DfdaemonStandIn nodeA = StartStandIn("node-a");
        using (SnapshotEngine engine = OpenDragonfly(nodeA))
        {
            Source("model.bin", _model);
            engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", false)));
        }

        _digest = Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin"));
        File.Delete(ContentPath(_digest));
        DfdaemonStandIn nodeB = StartStandIn("node-b", nodeBStorage);
        return (OpenDragonfly(nodeB), nodeB);
    }

    private void RestoreInto(SnapshotEngine engine, string output) =>
        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine(output) });

    private void AssertNothingLeft(string output)
    {
        Assert.Empty(ContentLeftovers());
        Assert.False(File.Exists(ContentPath(_digest)), "unverified content entered the store");
        string dir = Temp.Combine(output);
        Assert.True(!Directory.Exists(dir) || Directory.GetFileSystemEntries(dir).Length == 0, "the output dir holds files of a failed restore");
    }
}
