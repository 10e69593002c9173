using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Snapshotter.Errors;

namespace Snapshotter.Grpc;

/// <summary>
/// A gRPC client on HttpClient: HTTP/2 without TLS (prior knowledge) to a unix socket or a TCP host, unary and
/// server-streaming calls, deadlines, cancellation, and the status from the trailers or from the headers of a
/// trailers-only answer (PROTOCOL-HTTP2.md). Messages are length-prefixed protobuf, never compressed. Thread-safe:
/// calls share pooled HTTP/2 connections.
/// </summary>
internal sealed class GrpcChannel : IDisposable
{
    /// <summary>Largest response message accepted; dfdaemon's are a few hundred bytes (no piece content is asked for).</summary>
    public const int MaxMessageBytes = 4 << 20;

    private const int FrameHeaderBytes = 5;
    private const string UnixScheme = "unix:";

    /// <summary>sockaddr_un.sun_path holds 108 bytes, the terminating NUL included.</summary>
    private const int MaxSocketPathBytes = 107;

    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    private readonly HttpMessageInvoker _http;
    private readonly Uri _baseAddress;

    private GrpcChannel(string target, SocketsHttpHandler handler, Uri baseAddress)
    {
        Target = target;
        _http = new HttpMessageInvoker(handler, disposeHandler: true);
        _baseAddress = baseAddress;
    }

    /// <summary>The target as given: unix:///path or http://host:port.</summary>
    public string Target { get; }

    /// <summary>
    /// A channel to <paramref name="target"/>: <c>unix:///absolute/path</c> (also <c>unix:/absolute/path</c>) or
    /// <c>http://host:port</c>. Nothing is connected until the first call. A malformed target is INVALID_ARGUMENT
    /// naming <paramref name="field"/>.
    /// </summary>
    public static GrpcChannel Create(string target, string field)
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
        };
        if (socketPath is not null)
        {
            handler.ConnectCallback = (_, cancellation) => ConnectUnixAsync(socketPath, cancellation);
        }

        return new GrpcChannel(target, handler, address);
    }

    /// <summary>Checks a target without creating anything: INVALID_ARGUMENT naming <paramref name="field"/> when malformed.</summary>
    public static void CheckTarget(string target, string field) => ParseTarget(target, field);

    /// <summary>The socket path (null for TCP) and the address requests go to.</summary>
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

    /// <summary>A unary call: exactly one response message, or a <see cref="GrpcException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, TimeSpan timeout, CancellationToken cancellation)
        where TResponse : IMessage<TResponse>
    {
        TResponse? response = default;
        int count = await ServerStreamingAsync(method, request, parser, timeout, message => response = message, cancellation).ConfigureAwait(false);
        return count == 1
            ? response!
            : throw new GrpcException(GrpcStatusCode.Internal, $"{method} is unary but {Target} answered with {count} messages");
    }

    /// <summary>
    /// A server-streaming call: <paramref name="onMessage"/> hears every response message in order (an exception
    /// it throws ends the call and propagates). Returns how many messages arrived once the peer ended the stream
    /// with OK. Any other status is a <see cref="GrpcException"/>; so is a peer that cannot be reached (UNAVAILABLE)
    /// and one that does not finish within <paramref name="timeout"/> (DEADLINE_EXCEEDED, also sent to the peer as
    /// grpc-timeout). Cancellation by <paramref name="cancellation"/> resets the stream and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<int> ServerStreamingAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, TimeSpan timeout, Action<TResponse> onMessage, CancellationToken cancellation)
        where TResponse : IMessage<TResponse>
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        try
        {
            using HttpRequestMessage message = CreateRequest(method, request, timeout);
            using HttpResponseMessage response = await _http.SendAsync(message, deadline.Token).ConfigureAwait(false);
            CheckResponseHeaders(response);
            Stream body = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                int count = 0;
                byte[] header = new byte[FrameHeaderBytes];
                while (await ReadMessageAsync(body, header, deadline.Token).ConfigureAwait(false) is { } payload)
                {
                    TResponse parsed;
                    try
                    {
                        parsed = parser.ParseFrom(payload);
                    }
                    catch (InvalidProtocolBufferException e)
                    {
                        throw new GrpcException(GrpcStatusCode.Internal, $"{Target} sent a malformed {typeof(TResponse).Name}: {e.Message}", e);
                    }

                    onMessage(parsed);
                    count++;
                }

                GrpcException status = StatusOf(response.TrailingHeaders)
                    ?? throw new GrpcException(GrpcStatusCode.Unknown, $"{Target} ended the stream of {method} without a grpc-status");
                return status.Status == GrpcStatusCode.Ok ? count : throw status;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException && deadline.IsCancellationRequested)
        {
            cancellation.ThrowIfCancellationRequested();
            throw new GrpcException(GrpcStatusCode.DeadlineExceeded, $"{method} did not finish within {Format(timeout)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new GrpcException(GrpcStatusCode.Unavailable, $"cannot reach {Target}: {Describe(e)}", e);
        }
        catch (IOException e)
        {
            throw new GrpcException(GrpcStatusCode.Unavailable, $"the connection to {Target} broke during {method}: {Describe(e)}", e);
        }
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage CreateRequest(string method, IMessage request, TimeSpan timeout)
    {
        int size = request.CalculateSize();
        byte[] frame = new byte[FrameHeaderBytes + size];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        request.WriteTo(frame.AsSpan(FrameHeaderBytes));

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, method))
        {
            Version = HttpVersion.Version20,
            // Without Exact, .NET speaks HTTP/1.1 to an http:// address and the gRPC peer hangs up.
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        message.Content.Headers.ContentType = GrpcContentType;
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation("grpc-timeout", TimeoutHeader(timeout));
        message.Headers.TryAddWithoutValidation("user-agent", "libsnapshotter");
        return message;
    }

    /// <summary>Refuses what is not a gRPC answer, and throws the status of a trailers-only one.</summary>
    private void CheckResponseHeaders(HttpResponseMessage response)
    {
        GrpcException? status = StatusOf(response.Headers);
        if (status is { Status: not GrpcStatusCode.Ok })
        {
            throw status;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new GrpcException(StatusOfHttp(response.StatusCode), $"{Target} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        string? contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            throw new GrpcException(GrpcStatusCode.Unknown, $"{Target} is not a gRPC server: it answered with content-type '{contentType}'");
        }
    }

    /// <summary>The next length-prefixed message, or null at the end of the stream.</summary>
    private async Task<byte[]?> ReadMessageAsync(Stream body, byte[] header, CancellationToken cancellation)
    {
        int read = await ReadFullyAsync(body, header, cancellation).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < header.Length)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"{Target} ended the stream inside a message header");
        }

        if (header[0] != 0)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"{Target} sent a compressed message although no compression was offered");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxMessageBytes)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"{Target} sent a {length}-byte message, more than the {MaxMessageBytes} accepted");
        }

        byte[] payload = new byte[length];
        if (await ReadFullyAsync(body, payload, cancellation).ConfigureAwait(false) < payload.Length)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"{Target} ended the stream inside a {length}-byte message");
        }

        return payload;
    }

    private static async Task<int> ReadFullyAsync(Stream body, byte[] buffer, CancellationToken cancellation)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await body.ReadAsync(buffer.AsMemory(total), cancellation).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>grpc-status and grpc-message from a header block; null when it carries no status.</summary>
    private static GrpcException? StatusOf(HttpHeaders headers)
    {
        if (!headers.TryGetValues("grpc-status", out IEnumerable<string>? values))
        {
            return null;
        }

        string text = values.First();
        string detail = headers.TryGetValues("grpc-message", out IEnumerable<string>? messages) ? Uri.UnescapeDataString(messages.First()) : "";
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int code)
            ? new GrpcException((GrpcStatusCode)code, detail)
            : new GrpcException(GrpcStatusCode.Unknown, $"malformed grpc-status '{text}': {detail}");
    }

    /// <summary>The gRPC code for an HTTP status without grpc-status (grpc/doc/http-grpc-status-mapping.md).</summary>
    private static GrpcStatusCode StatusOfHttp(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>grpc-timeout: at most 8 digits and a unit, rounded up so the peer never gives up first.</summary>
    internal static string TimeoutHeader(TimeSpan timeout)
    {
        const long MaxValue = 99_999_999;
        long milliseconds = (long)Math.Ceiling(Math.Max(timeout.TotalMilliseconds, 1));
        if (milliseconds <= MaxValue)
        {
            return milliseconds.ToString(CultureInfo.InvariantCulture) + "m";
        }

        long seconds = (long)Math.Ceiling(timeout.TotalSeconds);
        return seconds <= MaxValue
            ? seconds.ToString(CultureInfo.InvariantCulture) + "S"
            : Math.Min((long)Math.Ceiling(timeout.TotalHours), MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static string Format(TimeSpan timeout) =>
        timeout.TotalSeconds >= 1 ? $"{timeout.TotalSeconds:0.###} s" : $"{timeout.TotalMilliseconds:0.###} ms";

    /// <summary>The innermost message, which says what failed (e.g. "Connection refused"), after the outer one.</summary>
    private static string Describe(Exception e)
    {
        Exception inner = e;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        return ReferenceEquals(inner, e) ? e.Message : $"{e.Message} ({inner.Message})";
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

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken cancellation)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellation).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
