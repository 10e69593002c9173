using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Snapshotter.Tests.Support;

/// <summary>
/// An HTTP/1.1 proxy on 127.0.0.1 between the library and a registry, one request per connection, that
/// records every request and injects faults into the ones chosen by <see cref="Inject"/>: an answer of its
/// own (500, 429 with Retry-After), a connection reset, a stall (no answer at all), a body cut short, a
/// relative Location header, a rewritten body. The Host header is passed on, so the registry's absolute
/// Location headers point back at the proxy. Stops on Dispose.
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private const int MaxHeadBytes = 64 << 10;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Rule> _rules = [];
    private readonly Task _accepting;

    public FaultProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Every request seen, in arrival order, with the fault it got (null: passed on untouched).</summary>
    public ConcurrentQueue<ProxiedRequest> Requests { get; } = new();

    /// <summary>Released once for every request that starts stalling.</summary>
    public SemaphoreSlim Stalled { get; } = new(0);

    public sealed record ProxiedRequest(string Method, string Target, Fault? Fault);

    /// <summary>What happens to a matching request.</summary>
    public abstract record Fault
    {
        /// <summary>The proxy answers by itself, without asking the registry.</summary>
        public sealed record Respond(int Status, string Body = "", string? RetryAfter = null, string? Link = null) : Fault;

        /// <summary>The connection is reset (TCP RST) as soon as the request has arrived.</summary>
        public sealed record Reset : Fault;

        /// <summary>No answer, the connection held open until the client gives up.</summary>
        public sealed record Stall : Fault;

        /// <summary>The registry's answer, cut off with a reset halfway through its body.</summary>
        public sealed record CutBody : Fault;

        /// <summary>The registry's answer with its Location header made relative (path and query only).</summary>
        public sealed record RelativeLocation : Fault;

        /// <summary>The registry's answer with its body replaced.</summary>
        public sealed record ReplaceBody(Func<byte[], byte[]> Transform) : Fault;
    }

    /// <summary>The next <paramref name="times"/> requests with this method whose target contains
    /// <paramref name="targetContains"/> get <paramref name="fault"/>. Rules apply in the order given.</summary>
    public void Inject(string method, string targetContains, Fault fault, int times = 1)
    {
        lock (_rules)
        {
            _rules.Add(new Rule(method, targetContains, fault, times));
        }
    }

    public int Count(string method, string targetContains) =>
        Requests.Count(r => r.Method == method && r.Target.Contains(targetContains, StringComparison.Ordinal));

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // Stopping the listener ends the loop with an exception.
        }

        _stopping.Dispose();
        Stalled.Dispose();
    }

    private sealed class Rule(string method, string target, Fault fault, int times)
    {
        public string Method { get; } = method;

        public string Target { get; } = target;

        public Fault Fault { get; } = fault;

        public int Remaining { get; set; } = times;
    }

    private Fault? Take(string method, string target)
    {
        lock (_rules)
        {
            Rule? rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Method == method && target.Contains(r.Target, StringComparison.Ordinal));
            if (rule is null)
            {
                return null;
            }

            rule.Remaining--;
            return rule.Fault;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                (byte[] head, byte[] body)? request = await ReadMessageAsync(stream, requestOnly: true);
                if (request is not { } message)
                {
                    return;
                }

                string[] requestLine = Encoding.ASCII.GetString(message.head).Split("\r\n")[0].Split(' ');
                Fault? fault = Take(requestLine[0], requestLine[1]);
                Requests.Enqueue(new ProxiedRequest(requestLine[0], requestLine[1], fault));
                switch (fault)
                {
                    case Fault.Respond respond:
                        await WriteAsync(stream, Response(respond), Encoding.UTF8.GetBytes(respond.Body));
                        return;
                    case Fault.Reset:
                        Reset(client);
                        return;
                    case Fault.Stall:
                        Stalled.Release();
                        await DrainUntilClosedAsync(stream);
                        return;
                }

                (byte[] head, byte[] body) answer = await ForwardAsync(message.head, message.body);
                string answerHead = Encoding.ASCII.GetString(answer.head);
                switch (fault)
                {
                    case Fault.CutBody:
                        await stream.WriteAsync(answer.head);
                        await stream.WriteAsync(answer.body.AsMemory(0, answer.body.Length / 2));
                        Reset(client);
                        return;
                    case Fault.RelativeLocation:
                        answerHead = string.Join("\r\n", answerHead.Split("\r\n").Select(RelativeLocation));
                        break;
                    case Fault.ReplaceBody replace:
                        answer.body = replace.Transform(answer.body);
                        answerHead = SetHeader(answerHead, "Content-Length", answer.body.Length.ToString());
                        break;
                }

                await WriteAsync(stream, answerHead, answer.body);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went away: nothing to answer.
            }
        }
    }

    private async Task<(byte[] Head, byte[] Body)> ForwardAsync(byte[] head, byte[] body)
    {
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stopping.Token);
        NetworkStream stream = upstream.GetStream();
        string text = SetHeader(Encoding.ASCII.GetString(head), "Connection", "close");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), _stopping.Token);
        await stream.WriteAsync(body, _stopping.Token);
        (byte[] head, byte[] body)? answer = await ReadMessageAsync(stream, requestOnly: false);
        return answer ?? throw new IOException("the registry closed the connection without answering");
    }

    /// <summary>A head (up to the blank line, included) and its body: Content-Length bytes for requests, everything
    /// up to the end of the connection for answers (the registry was asked to close). Null at EOF before a head.</summary>
    private async Task<(byte[] Head, byte[] Body)?> ReadMessageAsync(NetworkStream stream, bool requestOnly)
    {
        var buffer = new MemoryStream();
        byte[] chunk = new byte[65536];
        int headEnd;
        while ((headEnd = IndexOfBlankLine(buffer.GetBuffer(), (int)buffer.Length)) < 0)
        {
            int read = await stream.ReadAsync(chunk, _stopping.Token);
            if (read == 0 || buffer.Length > MaxHeadBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        byte[] all = buffer.ToArray();
        byte[] head = all[..headEnd];
        var body = new MemoryStream();
        body.Write(all, headEnd, all.Length - headEnd);
        long wanted = requestOnly ? ContentLength(Encoding.ASCII.GetString(head)) : long.MaxValue;
        while (body.Length < wanted)
        {
            int read = await stream.ReadAsync(chunk, _stopping.Token);
            if (read == 0)
            {
                break;
            }

            body.Write(chunk, 0, read);
        }

        return (head, body.ToArray());
    }

    private static int IndexOfBlankLine(byte[] bytes, int length)
    {
        for (int i = 3; i < length; i++)
        {
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n')
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static long ContentLength(string head) =>
        head.Split("\r\n").Select(line => line.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => long.Parse(p[1].Trim())).FirstOrDefault();

    /// <summary>Replaces (or adds) a header in a head that ends with the blank line.</summary>
    private static string SetHeader(string head, string name, string value)
    {
        List<string> lines = head.Split("\r\n").Where(l => l.Length > 0 && !l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        lines.Add($"{name}: {value}");
        return string.Join("\r\n", lines) + "\r\n\r\n";
    }

    private static string RelativeLocation(string line)
    {
        if (!line.StartsWith("Location:", StringComparison.OrdinalIgnoreCase))
        {
            return line;
        }

        var absolute = new Uri(line["Location:".Length..].Trim());
        return "Location: " + absolute.PathAndQuery;
    }

    private static string Response(Fault.Respond respond)
    {
        var head = new StringBuilder($"HTTP/1.1 {respond.Status} Injected\r\nContent-Type: application/json\r\n");
        if (respond.RetryAfter is { } retryAfter)
        {
            head.Append("Retry-After: ").Append(retryAfter).Append("\r\n");
        }

        if (respond.Link is { } link)
        {
            head.Append("Link: ").Append(link).Append("\r\n");
        }

        return head.Append($"Content-Length: {Encoding.UTF8.GetByteCount(respond.Body)}\r\n\r\n").ToString();
    }

    private static async Task WriteAsync(NetworkStream stream, string head, byte[] body)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(SetHeader(head, "Connection", "close")));
        await stream.WriteAsync(body);
    }

    private static void Reset(TcpClient client)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }

    private async Task DrainUntilClosedAsync(NetworkStream stream)
    {
        byte[] sink = new byte[4096];
        while (await stream.ReadAsync(sink, _stopping.Token) > 0)
        {
        }
    }
}
