using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Snapshotter.Dragonfly.Protos;
using Snapshotter.Errors;
using Snapshotter.Grpc;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Grpc;

/// <summary>
/// The dfdaemon client against a real, independent gRPC server (@grpc/grpc-js in the dfdaemon stand-in): unary and
/// server-streaming calls, statuses from trailers and from trailers-only answers, deadlines, cancellation and
/// broken connections, over a unix socket and over TCP.
/// </summary>
public sealed class DfdaemonClientTests : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _temp = new();
    private readonly DfdaemonStandIn _standIn;
    private readonly DfdaemonClient _client;

    public DfdaemonClientTests()
    {
        // A constructor that throws is not followed by Dispose: what it made so far is removed here.
        try
        {
            _standIn = new DfdaemonStandIn(_temp.Path, _temp.CreateDirectory("objects"), pieceBytes: 4096, tcp: true);
            _client = DfdaemonClient.Create(_standIn.Target, "target");
        }
        catch
        {
            _standIn?.Dispose();
            _temp.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _standIn.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_unary_call_returns_the_answer_and_a_second_one_its_error_status()
    {
        string path = TestFiles.WriteDense(_temp.Combine("src", "a"), TestFiles.Pattern(10_000, 1));

        PersistentTask task = await _client.UploadPersistentTaskAsync(UploadOf("s3://bucket/a", path), CallTimeout, CancellationToken.None);
        var e = await Assert.ThrowsAsync<RpcException>(() => _client.UploadPersistentTaskAsync(UploadOf("s3://bucket/a", path), CallTimeout, CancellationToken.None));

        Assert.Equal(DfdaemonStandIn.TaskIdOf("s3://bucket/a", "", ""), task.Id);
        Assert.Equal(10_000UL, task.ContentLength);
        Assert.Equal(2UL, task.PersistentReplicaCount);
        Assert.Equal(TimeSpan.FromHours(1), task.Ttl.ToTimeSpan());
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.Equal(ErrorCode.AlreadyExists, DfdaemonClient.ErrorCodeOf(e.StatusCode));
    }

    [Fact]
    public async Task A_server_stream_delivers_every_message_in_order()
    {
        string url = Publish("a", TestFiles.Pattern(10_000, 2));
        var messages = new List<DownloadPersistentTaskResponse>();

        await _client.DownloadPersistentTaskAsync(DownloadOf(url), CallTimeout, messages.Add, CancellationToken.None);

        Assert.Equal(4, messages.Count);
        Assert.Equal(10_000UL, messages[0].DownloadPersistentTaskStartedResponse.ContentLength);
        Assert.Equal([0UL, 4096UL, 8192UL], messages.Skip(1).Select(m => m.DownloadPieceFinishedResponse.Piece.Offset));
        Assert.Equal(10_000UL, (ulong)messages.Skip(1).Sum(m => (long)m.DownloadPieceFinishedResponse.Piece.Length));
        Assert.All(messages, m => Assert.Equal(DfdaemonStandIn.TaskIdOf(url, "", ""), m.TaskId));
    }

    [Fact]
    public async Task A_trailers_only_error_carries_its_status_and_percent_decoded_message()
    {
        const string Message = "dénied: 100% \"sure\" ✓ (a/b?c=d)";
        _standIn.Fault("upload", "refuse", code: 7, message: Message);

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.UploadPersistentTaskAsync(UploadOf("s3://b/k", _temp.Combine("none")), CallTimeout, CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(ErrorCode.PermissionDenied, DfdaemonClient.ErrorCodeOf(e.StatusCode));
        Assert.Equal(Message, e.Status.Detail);
    }

    [Fact]
    public async Task An_error_after_messages_comes_from_the_trailers()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 3));
        _standIn.Fault("download", "abort", after: 2, code: 14, message: "peer went away");
        int received = 0;

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.DownloadPersistentTaskAsync(DownloadOf(url), CallTimeout, _ => received++, CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("peer went away", e.Status.Detail);
        Assert.Equal(3, received);
    }

    [Fact]
    public async Task A_stream_reset_mid_way_is_a_failure_of_the_far_side()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 4));
        _standIn.Fault("download", "reset", after: 1);

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.DownloadPersistentTaskAsync(DownloadOf(url), CallTimeout, _ => { }, CancellationToken.None));

        Assert.True(DfdaemonClient.ErrorCodeOf(e.StatusCode) == ErrorCode.Unavailable, e.ToString());
        Assert.Contains("reset the stream", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_past_its_deadline_fails_with_deadline_exceeded_and_the_peer_sees_it_end()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 5));
        _standIn.Fault("download", "stall", after: 1);

        // Long enough for the call to reach the stand-in on a loaded machine: a call cancelled before its handler runs is
        // never seen to end there.
        var e = await Assert.ThrowsAsync<RpcException>(() => _client.DownloadPersistentTaskAsync(DownloadOf(url), TimeSpan.FromSeconds(2), _ => { }, CancellationToken.None));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Equal(ErrorCode.Timeout, DfdaemonClient.ErrorCodeOf(e.StatusCode));
        Assert.Equal("did not finish within 2 s", e.Status.Detail);
        _standIn.WaitForEvents("cancelled");
    }

    [Fact]
    public async Task A_deadline_exceeded_sent_long_before_the_deadline_keeps_the_peers_message()
    {
        _standIn.Fault("upload", "refuse", code: 4, message: "the scheduler gave up");

        var e = await Assert.ThrowsAsync<RpcException>(() => _client.UploadPersistentTaskAsync(UploadOf("s3://b/k", _temp.Combine("none")), CallTimeout, CancellationToken.None));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Equal("the scheduler gave up", e.Status.Detail);
    }

    [Fact]
    public async Task Cancellation_resets_the_stream_and_throws_operation_cancelled()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 6));
        _standIn.Fault("download", "stall", after: 1);
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.DownloadPersistentTaskAsync(DownloadOf(url), CallTimeout, m =>
        {
            if (m.ResponseCase == DownloadPersistentTaskResponse.ResponseOneofCase.DownloadPieceFinishedResponse)
            {
                cancel.Cancel();
            }
        }, cancel.Token));

        _standIn.WaitForEvents("cancelled");
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_unavailable_saying_why()
    {
        string target = "unix://" + _temp.Combine("nobody.sock");
        using var client = DfdaemonClient.Create(target, "target");

        var e = await Assert.ThrowsAsync<RpcException>(() => client.UploadPersistentTaskAsync(UploadOf("s3://b/k", "/x"), CallTimeout, CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal(ErrorCode.Unavailable, DfdaemonClient.ErrorCodeOf(e.StatusCode));
        Assert.StartsWith($"cannot reach {target}: ", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_port_nobody_listens_on_is_unavailable_saying_why()
    {
        int port = FreeTcpPort();
        string target = $"http://127.0.0.1:{port}";
        using var client = DfdaemonClient.Create(target, "target");

        var e = await Assert.ThrowsAsync<RpcException>(() => client.UploadPersistentTaskAsync(UploadOf("s3://b/k", "/x"), CallTimeout, CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal($"cannot reach {target}: Connection refused", e.Status.Detail);
    }

    [Fact]
    public async Task A_tcp_target_works_like_a_socket()
    {
        string url = Publish("a", TestFiles.Pattern(5_000, 7));
        using var client = DfdaemonClient.Create($"http://127.0.0.1:{_standIn.Port}", "target");
        int count = 0;

        await client.DownloadPersistentTaskAsync(DownloadOf(url), CallTimeout, _ => count++, CancellationToken.None);

        Assert.Equal(3, count);
    }

    [Fact]
    public async Task Many_calls_share_the_client_at_once()
    {
        string url = Publish("a", TestFiles.Pattern(5_000, 8));

        int[] counts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            int count = 0;
            await _client.DownloadPersistentTaskAsync(DownloadOf(url), CallTimeout, _ => Interlocked.Increment(ref count), CancellationToken.None);
            return count;
        }));

        Assert.All(counts, c => Assert.Equal(3, c));
    }

    [Theory]
    [InlineData("unix://relative/dfdaemon.sock")]
    [InlineData("unix:relative.sock")]
    [InlineData("https://127.0.0.1:65001")]
    [InlineData("http://user:pw@127.0.0.1:65001")]
    [InlineData("http://127.0.0.1:65001/path")]
    [InlineData("dns:///dfdaemon:65000")]
    [InlineData("/var/run/dragonfly/dfdaemon.sock")]
    public void Malformed_targets_are_invalid_naming_the_field(string target)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => DfdaemonClient.CheckTarget(target, "content.dfdaemon"));

        Assert.Contains("content.dfdaemon", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_path_longer_than_sockaddr_un_holds_is_invalid()
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => DfdaemonClient.CheckTarget("unix:///" + new string('s', 120), "content.dfdaemon"));

        Assert.Contains("107 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unix:///var/run/dragonfly/dfdaemon.sock")]
    [InlineData("unix:/var/run/dragonfly/dfdaemon.sock")]
    [InlineData("http://127.0.0.1:65000")]
    [InlineData("http://dfdaemon.local:65000/")]
    public void Well_formed_targets_are_accepted(string target) => DfdaemonClient.CheckTarget(target, "content.dfdaemon");

    [Theory]
    [InlineData(StatusCode.InvalidArgument, ErrorCode.InvalidArgument)]
    [InlineData(StatusCode.FailedPrecondition, ErrorCode.InvalidArgument)]
    [InlineData(StatusCode.OutOfRange, ErrorCode.InvalidArgument)]
    [InlineData(StatusCode.NotFound, ErrorCode.NotFound)]
    [InlineData(StatusCode.AlreadyExists, ErrorCode.AlreadyExists)]
    [InlineData(StatusCode.PermissionDenied, ErrorCode.PermissionDenied)]
    [InlineData(StatusCode.Unauthenticated, ErrorCode.Unauthenticated)]
    [InlineData(StatusCode.DeadlineExceeded, ErrorCode.Timeout)]
    [InlineData(StatusCode.Unimplemented, ErrorCode.Unsupported)]
    [InlineData(StatusCode.DataLoss, ErrorCode.Corrupt)]
    [InlineData(StatusCode.Unknown, ErrorCode.Unavailable)]
    [InlineData(StatusCode.Internal, ErrorCode.Unavailable)]
    [InlineData(StatusCode.Aborted, ErrorCode.Unavailable)]
    [InlineData(StatusCode.ResourceExhausted, ErrorCode.Unavailable)]
    [InlineData(StatusCode.Cancelled, ErrorCode.Unavailable)]
    [InlineData(StatusCode.Unavailable, ErrorCode.Unavailable)]
    public void Every_status_maps_to_the_librarys_code(StatusCode status, ErrorCode code) =>
        Assert.Equal(code, DfdaemonClient.ErrorCodeOf(status));

    [Fact]
    public void Status_names_are_grpcs()
    {
        Assert.Equal("DEADLINE_EXCEEDED", DfdaemonClient.NameOf(StatusCode.DeadlineExceeded));
        Assert.Equal("UNAUTHENTICATED", DfdaemonClient.NameOf(StatusCode.Unauthenticated));
        Assert.Equal("STATUS_99", DfdaemonClient.NameOf((StatusCode)99));
    }

    private string Publish(string name, byte[] bytes)
    {
        string path = TestFiles.WriteDense(_temp.Combine("src", name), bytes);
        string url = $"s3://bucket/{name}";
        _client.UploadPersistentTaskAsync(UploadOf(url, path), CallTimeout, CancellationToken.None).GetAwaiter().GetResult();
        return url;
    }

    /// <summary>A port that was free a moment ago: bound, then released.</summary>
    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static UploadPersistentTaskRequest UploadOf(string url, string path) => new()
    {
        Url = url,
        ObjectStorage = new ObjectStorage { Region = "", Endpoint = "" },
        Path = path,
        PersistentReplicaCount = 2,
        Ttl = Duration.FromTimeSpan(TimeSpan.FromHours(1)),
    };

    private static DownloadPersistentTaskRequest DownloadOf(string url) => new()
    {
        Url = url,
        ObjectStorage = new ObjectStorage { Region = "", Endpoint = "" },
    };
}
