using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Restores of one handle that need the same missing digest at once share one download; one that is cancelled
/// stops waiting without stopping it for the others; closing the handle stops it and cleans up.
/// </summary>
public sealed class SharedDownloadTests : DragonflyTestBase
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);
    private readonly byte[] _model = TestFiles.Pattern(1 << 20, 31);
    private DfdaemonStandIn _dfdaemon = null!;
    private SnapshotEngine _engine = null!;

    [Fact]
    public async Task Concurrent_restores_of_one_digest_make_one_download()
    {
        Prepare();
        (Task first, Task second) = TwoRestoresSharingOneDownload(CancellationToken.None);

        _dfdaemon.Release();
        await Task.WhenAll(first, second).WaitAsync(JoinTimeout);

        Assert.Single(_dfdaemon.Requests("DownloadPersistentTask"));
        Assert.Equal(_model, File.ReadAllBytes(Temp.Combine("out-1", "model.bin")));
        Assert.Equal(_model, File.ReadAllBytes(Temp.Combine("out-2", "model.bin")));
        Assert.Empty(ContentLeftovers());
    }

    [Fact]
    public async Task A_cancelled_restore_does_not_cancel_the_download_others_wait_for()
    {
        Prepare();
        using var cancelFirst = new CancellationTokenSource();
        (Task first, Task second) = TwoRestoresSharingOneDownload(cancelFirst.Token);

        cancelFirst.Cancel();
        var e = await Assert.ThrowsAsync<SnapshotterException>(() => first.WaitAsync(JoinTimeout));
        Assert.Equal(ErrorCode.Cancelled, e.Code);
        _dfdaemon.Release();
        await second.WaitAsync(JoinTimeout);

        Assert.Single(_dfdaemon.Requests("DownloadPersistentTask"));
        Assert.Equal(0, _dfdaemon.Count("cancelled"));
        Assert.Equal(_model, File.ReadAllBytes(Temp.Combine("out-2", "model.bin")));
        Assert.False(File.Exists(Temp.Combine("out-1", "model.bin")));
    }

    [Fact]
    public async Task Closing_the_handle_stops_a_shared_download_and_removes_its_staging()
    {
        Prepare();
        Task first = RestoreAsync("out-1", CancellationToken.None, joined: null);
        _dfdaemon.WaitForEvents("held");

        _engine.Dispose();

        var e = await Assert.ThrowsAsync<SnapshotterException>(() => first.WaitAsync(JoinTimeout));
        Assert.Equal(ErrorCode.Closed, e.Code);
        _dfdaemon.WaitForEvents("cancelled");
        Assert.Empty(ContentLeftovers());
        Assert.Empty(Directory.GetFiles(ContentDir));
    }

    /// <summary>A snapshot whose content is only in object storage, and downloads that hold after one piece.</summary>
    private void Prepare()
    {
        _dfdaemon = StartStandIn(pieceBytes: 64 << 10);
        _engine = OpenDragonfly(_dfdaemon, new SteppingTimeProvider());
        Source("model.bin", _model);
        _engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", false)));
        File.Delete(ContentPath(Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin"))));
        // The uploading dfdaemon has the task cached; a fresh one downloads it piece by piece.
        _dfdaemon = StartStandIn("node-b", pieceBytes: 64 << 10);
        _engine = OpenDragonfly(_dfdaemon, new SteppingTimeProvider());
        _dfdaemon.Fault("download", "hold", after: 1, times: 1);
    }

    /// <summary>Starts a restore into out-1, waits until its download is held, then starts one into out-2 and waits
    /// until that one has joined the same download.</summary>
    private (Task First, Task Second) TwoRestoresSharingOneDownload(CancellationToken cancelFirst)
    {
        Task first = RestoreAsync("out-1", cancelFirst, joined: null);
        _dfdaemon.WaitForEvents("held");
        // Not disposed: the second restore's progress callback may still set it after this returns.
        var joined = new ManualResetEventSlim();
        Task second = RestoreAsync("out-2", CancellationToken.None, joined);
        Assert.True(joined.Wait(JoinTimeout), "the second restore did not join the download");
        return (first, second);
    }

    /// <summary>A restore on its own thread; <paramref name="joined"/> is set once it has heard of downloaded bytes,
    /// which before the download ends can only come from joining the one in flight.</summary>
    private Task RestoreAsync(string output, CancellationToken cancellation, ManualResetEventSlim? joined) =>
        Task.Factory.StartNew(
            () => _engine.Restore(
                new RestoreRequest
                {
                    Name = "vm",
                    Version = "v1",
                    OutputDir = Temp.Combine(output),
                    Progress = report =>
                    {
                        if (report.BytesDone > 0)
                        {
                            joined?.Set();
                        }
                    },
                },
                cancellation),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
}
