using Google.Protobuf.WellKnownTypes;
using Snapshotter.Dragonfly.Protos;
using Snapshotter.Errors;
using Snapshotter.Grpc;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Grpc;

/// <summary>
/// The gRPC transport against a real, independent gRPC server (@grpc/grpc-js in the dfdaemon stand-in): unary and
/// server-streaming calls, statuses from trailers and from trailers-only answers, deadlines, cancellation and
/// broken connections.
/// </summary>
public sealed class GrpcChannelTests : IDisposable
{
    private const string Upload = "/dfdaemon.v2.DfdaemonDownload/UploadPersistentTask";
    private const string Download = "/dfdaemon.v2.DfdaemonDownload/DownloadPersistentTask";
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _temp = new();
    private readonly DfdaemonStandIn _standIn;
    private readonly GrpcChannel _channel;

    public GrpcChannelTests()
    {
        _standIn = new DfdaemonStandIn(_temp.Path, _temp.CreateDirectory("objects"), pieceBytes: 4096, tcp: true);
        _channel = GrpcChannel.Create(_standIn.Target, "target");
    }

    public void Dispose()
    {
        _channel.Dispose();
        _standIn.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_unary_call_returns_the_answer_and_a_second_one_its_error_status()
    {
        string path = TestFiles.WriteDense(_temp.Combine("src", "a"), TestFiles.Pattern(10_000, 1));

        PersistentTask task = await _channel.UnaryAsync(Upload, UploadOf("s3://bucket/a", path), PersistentTask.Parser, CallTimeout, CancellationToken.None);
        var e = await Assert.ThrowsAsync<GrpcException>(() => _channel.UnaryAsync(Upload, UploadOf("s3://bucket/a", path), PersistentTask.Parser, CallTimeout, CancellationToken.None));

        Assert.Equal(DfdaemonStandIn.TaskIdOf("s3://bucket/a", "", ""), task.Id);
        Assert.Equal(10_000UL, task.ContentLength);
        Assert.Equal(2UL, task.PersistentReplicaCount);
        Assert.Equal(TimeSpan.FromHours(1), task.Ttl.ToTimeSpan());
        Assert.Equal(GrpcStatusCode.AlreadyExists, e.Status);
        Assert.Equal(ErrorCode.AlreadyExists, e.Code);
    }

    [Fact]
    public async Task A_server_stream_delivers_every_message_in_order()
    {
        string url = Publish("a", TestFiles.Pattern(10_000, 2));
        var messages = new List<DownloadPersistentTaskResponse>();

        int count = await _channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, CallTimeout, messages.Add, CancellationToken.None);

        Assert.Equal(4, count);
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

        var e = await Assert.ThrowsAsync<GrpcException>(() => _channel.UnaryAsync(Upload, UploadOf("s3://b/k", _temp.Combine("none")), PersistentTask.Parser, CallTimeout, CancellationToken.None));

        Assert.Equal(GrpcStatusCode.PermissionDenied, e.Status);
        Assert.Equal(ErrorCode.PermissionDenied, e.Code);
        Assert.Equal(Message, e.Detail);
    }

    [Fact]
    public async Task An_error_after_messages_comes_from_the_trailers()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 3));
        _standIn.Fault("download", "abort", after: 2, code: 14, message: "peer went away");
        int received = 0;

        var e = await Assert.ThrowsAsync<GrpcException>(() => _channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, CallTimeout, _ => received++, CancellationToken.None));

        Assert.Equal(GrpcStatusCode.Unavailable, e.Status);
        Assert.Equal("peer went away", e.Detail);
        Assert.Equal(3, received);
    }

    [Fact]
    public async Task A_stream_reset_mid_way_is_unavailable()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 4));
        _standIn.Fault("download", "reset", after: 1);

        var e = await Assert.ThrowsAsync<GrpcException>(() => _channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, CallTimeout, _ => { }, CancellationToken.None));

        Assert.True(e.Status == GrpcStatusCode.Unavailable, e.Message);
        Assert.Contains(_standIn.Target, e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_past_its_deadline_fails_with_deadline_exceeded_and_the_peer_sees_it_end()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 5));
        _standIn.Fault("download", "stall", after: 1);

        var e = await Assert.ThrowsAsync<GrpcException>(() => _channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, TimeSpan.FromMilliseconds(300), _ => { }, CancellationToken.None));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, e.Status);
        Assert.Equal(ErrorCode.Timeout, e.Code);
        _standIn.WaitForEvents("cancelled");
    }

    [Fact]
    public async Task Cancellation_resets_the_stream_and_throws_operation_cancelled()
    {
        string url = Publish("a", TestFiles.Pattern(20_000, 6));
        _standIn.Fault("download", "stall", after: 1);
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, CallTimeout, m =>
        {
            if (m.ResponseCase == DownloadPersistentTaskResponse.ResponseOneofCase.DownloadPieceFinishedResponse)
            {
                cancel.Cancel();
            }
        }, cancel.Token));

        _standIn.WaitForEvents("cancelled");
    }

    [Fact]
    public async Task A_socket_nobody_listens_on_is_unavailable_naming_the_target()
    {
        string target = "unix://" + _temp.Combine("nobody.sock");
        using var channel = GrpcChannel.Create(target, "target");

        var e = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(Upload, UploadOf("s3://b/k", "/x"), PersistentTask.Parser, CallTimeout, CancellationToken.None));

        Assert.Equal(GrpcStatusCode.Unavailable, e.Status);
        Assert.Equal(ErrorCode.Unavailable, e.Code);
        Assert.Contains(target, e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tcp_target_works_like_a_socket()
    {
        string url = Publish("a", TestFiles.Pattern(5_000, 7));
        using var channel = GrpcChannel.Create($"http://127.0.0.1:{_standIn.Port}", "target");

        int count = await channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, CallTimeout, _ => { }, CancellationToken.None);

        Assert.Equal(3, count);
    }

    [Fact]
    public async Task Many_calls_share_the_channel_at_once()
    {
        string url = Publish("a", TestFiles.Pattern(5_000, 8));

        int[] counts = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            _channel.ServerStreamingAsync(Download, DownloadOf(url), DownloadPersistentTaskResponse.Parser, CallTimeout, _ => { }, CancellationToken.None)));

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
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => GrpcChannel.CheckTarget(target, "content.dfdaemon"));

        Assert.Contains("content.dfdaemon", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_socket_path_longer_than_sockaddr_un_holds_is_invalid()
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => GrpcChannel.CheckTarget("unix:///" + new string('s', 120), "content.dfdaemon"));

        Assert.Contains("107 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unix:///var/run/dragonfly/dfdaemon.sock")]
    [InlineData("unix:/var/run/dragonfly/dfdaemon.sock")]
    [InlineData("http://127.0.0.1:65000")]
    [InlineData("http://dfdaemon.local:65000/")]
    public void Well_formed_targets_are_accepted(string target) => GrpcChannel.CheckTarget(target, "content.dfdaemon");

    [Theory]
    [InlineData(1, "1m")]
    [InlineData(1800_000, "1800000m")]
    [InlineData(99_999_999, "99999999m")]
    [InlineData(100_000_000, "100000S")]
    public void Grpc_timeout_headers_fit_eight_digits_and_never_round_down(long milliseconds, string expected) =>
        Assert.Equal(expected, GrpcChannel.TimeoutHeader(TimeSpan.FromMilliseconds(milliseconds)));

    private string Publish(string name, byte[] bytes)
    {
        string path = TestFiles.WriteDense(_temp.Combine("src", name), bytes);
        string url = $"s3://bucket/{name}";
        _channel.UnaryAsync(Upload, UploadOf(url, path), PersistentTask.Parser, CallTimeout, CancellationToken.None).GetAwaiter().GetResult();
        return url;
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
