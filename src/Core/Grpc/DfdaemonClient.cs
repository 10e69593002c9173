using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Snapshotter.Dragonfly.Protos;
using Snapshotter.Errors;

namespace Snapshotter.Grpc;

/// <summary>
/// dfdaemon's download service through Grpc.Net.Client's generated client: HTTP/2 without TLS (prior knowledge)
/// to a unix socket or an http://host:port, each call bounded by a gRPC deadline (sent to dfdaemon as
/// grpc-timeout). Failures are <see cref="RpcException"/>s with the status dfdaemon sent or the one the client
/// concluded (UNAVAILABLE for a dfdaemon that cannot be reached); cancellation by the caller is an
/// <see cref="OperationCanceledException"/>. Thread-safe: calls share pooled HTTP/2 connections.
/// </summary>
internal sealed class DfdaemonClient : IDisposable
{
    private const string UnixScheme = "unix:";

    /// <summary>sockaddr_un.sun_path holds 108 bytes, the terminating NUL included.</summary>
    private const int MaxSocketPathBytes = 107;

    /// <summary>
    /// How much earlier than ours dfdaemon's own deadline may end: grpc-timeout carries whole milliseconds,
    /// truncated, so a peer can give up up to one millisecond before us; the rest covers the two clocks.
    /// </summary>
    private static readonly TimeSpan PeerDeadlineLeeway = TimeSpan.FromMilliseconds(10);

    private readonly GrpcChannel _channel;
    private readonly DfdaemonDownload.DfdaemonDownloadClient _download;

    private DfdaemonClient(string target, GrpcChannel channel)
    {
        Target = target;
        _channel = channel;
        _download = new DfdaemonDownload.DfdaemonDownloadClient(channel);
    }

    /// <summary>The target as given: unix:///path or http://host:port.</summary>
    public string Target { get; }

    /// <summary>
    /// A client of the dfdaemon at <paramref name="target"/>: <c>unix:///absolute/path</c> (also
    /// <c>unix:/absolute/path</c>) or <c>http://host:port</c>. Nothing is connected until the first call. A
    /// malformed target is INVALID_ARGUMENT naming <paramref name="field"/>.
    /// </summary>
    public static DfdaemonClient Create(string target, string field)
    {
        (string? socketPath, Uri address) = ParseTarget(target, field);
        SocketsHttpHandler handler = new()
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            // grpc-message should be percent-encoded ASCII, but peers that send raw UTF-8 exist.
            ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            // Our own connect for TCP too, not only for the socket: the channel then sends every call straight
            // over this handler, one way for both kinds of target, without the client's load-balancing layer
            // (a single dfdaemon needs none).
            ConnectCallback = socketPath is null
                ? (context, cancellation) => ConnectAsync(new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, context.DnsEndPoint, cancellation)
                : (_, cancellation) => ConnectAsync(new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified), new UnixDomainSocketEndPoint(socketPath), cancellation),
        };
        GrpcChannel channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
        });
        return new DfdaemonClient(target, channel);
    }

    /// <summary>Checks a target without creating anything: INVALID_ARGUMENT naming <paramref name="field"/> when malformed.</summary>
    public static void CheckTarget(string target, string field) => ParseTarget(target, field);

    /// <summary>UploadPersistentTask: publishes a file as an object of object storage and a persistent task.</summary>
    public async Task<PersistentTask> UploadPersistentTaskAsync(UploadPersistentTaskRequest request, TimeSpan timeout, CancellationToken cancellation)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await _download.UploadPersistentTaskAsync(request, new CallOptions(deadline: DeadlineAfter(timeout), cancellationToken: cancellation)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw Resolved(e, started, timeout, cancellation);
        }
    }

    /// <summary>
    /// DownloadPersistentTask: <paramref name="onResponse"/> hears every message of the stream in order (an exception
    /// it throws ends the call and propagates); returns once dfdaemon ended the stream with OK.
    /// </summary>
    public async Task DownloadPersistentTaskAsync(DownloadPersistentTaskRequest request, TimeSpan timeout, Action<DownloadPersistentTaskResponse> onResponse, CancellationToken cancellation)
    {
        long started = Stopwatch.GetTimestamp();
        try
        {
            using AsyncServerStreamingCall<DownloadPersistentTaskResponse> call =
                _download.DownloadPersistentTask(request, new CallOptions(deadline: DeadlineAfter(timeout), cancellationToken: cancellation));
            await foreach (DownloadPersistentTaskResponse response in call.ResponseStream.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                onResponse(response);
            }
        }
        catch (RpcException e)
        {
            throw Resolved(e, started, timeout, cancellation);
        }
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>The gRPC name of a status, as on the wire and in gRPC's documentation (DEADLINE_EXCEEDED).</summary>
    public static string NameOf(StatusCode status) => status switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Unknown => "UNKNOWN",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => $"STATUS_{(int)status}",
    };

    /// <summary>
    /// The library's code for a status. Failures of the far side or of the way to it (UNKNOWN, INTERNAL, ABORTED,
    /// RESOURCE_EXHAUSTED, a CANCELLED the caller did not ask for) are UNAVAILABLE: retrying later may succeed,
    /// and nothing about the caller's request was wrong.
    /// </summary>
    public static ErrorCode ErrorCodeOf(StatusCode status) => status switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => ErrorCode.InvalidArgument,
        StatusCode.NotFound => ErrorCode.NotFound,
        StatusCode.AlreadyExists => ErrorCode.AlreadyExists,
        StatusCode.PermissionDenied => ErrorCode.PermissionDenied,
        StatusCode.Unauthenticated => ErrorCode.Unauthenticated,
        StatusCode.DeadlineExceeded => ErrorCode.Timeout,
        StatusCode.Unimplemented => ErrorCode.Unsupported,
        StatusCode.DataLoss => ErrorCode.Corrupt,
        _ => ErrorCode.Unavailable,
    };

    private static DateTime DeadlineAfter(TimeSpan timeout) => DateTime.UtcNow + timeout;

    /// <summary>
    /// What a failed call throws. The caller's cancellation is an <see cref="OperationCanceledException"/> (the
    /// client's own option for it would also turn every DEADLINE_EXCEEDED into one). A call that ran out of time
    /// has one report whichever side noticed first: the client's timer (an empty detail) or dfdaemon's own from
    /// grpc-timeout ("Deadline exceeded"), whose order on a busy machine is a race; a DEADLINE_EXCEEDED that
    /// dfdaemon sent well before the deadline keeps its own detail. A dfdaemon that could not be connected to is
    /// named with the reason, instead of the HTTP address the client shows for it (localhost:80 for a socket).
    /// Whether the time ran out is measured on the monotonic clock from the call's start: the wall clock the
    /// deadline is given in can be stepped while a call runs.
    /// </summary>
    private Exception Resolved(RpcException e, long started, TimeSpan timeout, CancellationToken cancellation)
    {
        if (e.StatusCode == StatusCode.Cancelled && cancellation.IsCancellationRequested)
        {
            return new OperationCanceledException(e.Message, e, cancellation);
        }

        if (e.StatusCode == StatusCode.DeadlineExceeded && Stopwatch.GetElapsedTime(started) + PeerDeadlineLeeway >= timeout)
        {
            return new RpcException(new Status(StatusCode.DeadlineExceeded, $"did not finish within {Format(timeout)}"));
        }

        if (e.Status.DebugException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } connect)
        {
            Exception reason = connect;
            while (reason.InnerException is { } inner)
            {
                reason = inner;
            }

            return new RpcException(new Status(e.StatusCode, $"cannot reach {Target}: {reason.Message}", connect));
        }

        return e;
    }

    private static string Format(TimeSpan timeout) =>
        timeout.TotalSeconds >= 1 ? $"{timeout.TotalSeconds:0.###} s" : $"{timeout.TotalMilliseconds:0.###} ms";

    /// <summary>The socket path (null for TCP) and the address calls go to.</summary>
    private static (string? SocketPath, Uri Address) ParseTarget(string target, string field)
    {
        if (target.StartsWith(UnixScheme, StringComparison.Ordinal))
        {
            // The authority of a unix-socket channel, as grpc-go and tonic send it.
            return (SocketPath(target, field), new Uri("http://localhost"));
        }

        if (Uri.TryCreate(target, UriKind.Absolute, out Uri? uri) && uri.Scheme == Uri.UriSchemeHttp && uri.UserInfo.Length == 0
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0)
        {
            return (null, uri);
        }

        throw SnapshotterException.InvalidArgument($"{field} '{target}' is not a gRPC target: write unix:///path/to/socket or http://host:port");
    }

    private static string SocketPath(string target, string field)
    {
        string path = target[UnixScheme.Length..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = path[2..];
        }

        if (!path.StartsWith('/'))
        {
            throw SnapshotterException.InvalidArgument($"{field} '{target}' names no absolute socket path: write unix:///path/to/socket");
        }

        if (Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
        {
            throw SnapshotterException.InvalidArgument($"{field} '{target}': a unix socket path is limited to {MaxSocketPathBytes} bytes");
        }

        return path;
    }

    private static async ValueTask<Stream> ConnectAsync(Socket socket, EndPoint endpoint, CancellationToken cancellation)
    {
        try
        {
            await socket.ConnectAsync(endpoint, cancellation).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
