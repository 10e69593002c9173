using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snapshotter.Tests.Support;

/// <summary>
/// The dfdaemon stand-in (tests/dragonfly/standin.js, on @grpc/grpc-js) as a child process serving a unix socket
/// in a test's temp dir: started ready, steered through its stdin, its request log collected from its stdout,
/// and always stopped on Dispose (closing its stdin ends it; it is killed if it lingers). Needs node and the
/// packages `npm ci` installs into tests/dragonfly (./build.sh test does both).
/// </summary>
public sealed class DfdaemonStandIn : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly List<JsonObject> _events = [];
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly object _gate = new();

    /// <param name="workDir">Holds the socket.</param>
    /// <param name="objectsDir">"Object storage": may be shared by several stand-ins, like a bucket by several nodes.</param>
    /// <param name="storageDir">dfdaemon's own storage (task files); defaults to a directory beside the socket.</param>
    public DfdaemonStandIn(string workDir, string objectsDir, string? storageDir = null, int pieceBytes = 64 << 10, bool tcp = false, string name = "dfdaemon")
    {
        Socket = Path.Join(workDir, name + ".sock");
        StorageDir = storageDir ?? Path.Join(workDir, name + "-storage");
        ObjectsDir = objectsDir;
        string script = Path.Join(Directory, "standin.js");
        if (!System.IO.Directory.Exists(Path.Join(Directory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException($"the stand-in's packages are missing: run `npm ci` in {Directory} (./build.sh test does)");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { script, "--socket", Socket, "--objects", objectsDir, "--storage", StorageDir, "--piece-bytes", pieceBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--host-id", name, "--tcp", tcp ? "true" : "false" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_gate)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            WaitUntil(() => Count("ready") > 0, StartTimeout, "to be ready");
            lock (_gate)
            {
                Port = _events.First(e => (string?)e["event"] == "ready")["port"]?.GetValue<int>();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>tests/dragonfly of this checkout, found upwards from the test binary.</summary>
    public static string Directory { get; } = FindDirectory();

    public string Socket { get; }

    public string StorageDir { get; }

    public string ObjectsDir { get; }

    /// <summary>The TCP port on 127.0.0.1 when started with tcp.</summary>
    public int? Port { get; }

    public string Target => "unix://" + Socket;

    /// <summary>dfdaemon's id of the persistent task over an object (docs/format.md, "The dfdaemon calls").</summary>
    public static string TaskIdOf(string url, string region, string endpoint) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url + region + endpoint + "PERSISTENT")));

    /// <summary>This stand-in's task file of an object: what it hardlinks to output_path.</summary>
    public string TaskFile(string url, string region = "", string endpoint = "") => Path.Join(StorageDir, TaskIdOf(url, region, endpoint));

    /// <summary>The requests received so far for a method ("UploadPersistentTask", "DownloadPersistentTask"), in order.</summary>
    public List<JsonObject> Requests(string method)
    {
        lock (_gate)
        {
            return [.. _events.Where(e => (string?)e["event"] == "request" && (string?)e["method"] == method).Select(e => e["request"]!.AsObject())];
        }
    }

    /// <summary>The raw bytes of each request received for a method, as they came off the wire.</summary>
    public List<byte[]> RawRequests(string method)
    {
        lock (_gate)
        {
            return [.. _events.Where(e => (string?)e["event"] == "request" && (string?)e["method"] == method).Select(e => Convert.FromBase64String((string)e["raw"]!))];
        }
    }

    public int Count(string eventName)
    {
        lock (_gate)
        {
            return _events.Count(e => (string?)e["event"] == eventName);
        }
    }

    /// <summary>Waits (bounded) until the stand-in has logged <paramref name="count"/> events of a kind.</summary>
    public void WaitForEvents(string eventName, int count = 1) =>
        WaitUntil(() => Count(eventName) >= count, EventTimeout, $"to log {count} '{eventName}' event(s)");

    /// <summary>Makes the next <paramref name="times"/> calls of <paramref name="method"/> ("download", "upload") fail.</summary>
    public void Fault(string method, string kind, int after = 0, int? times = null, int? code = null, string? message = null)
    {
        var command = new JsonObject { ["op"] = "fault", ["method"] = method, ["kind"] = kind, ["after"] = after };
        if (times is { } t)
        {
            command["times"] = t;
        }

        if (code is { } c)
        {
            command["code"] = c;
        }

        if (message is not null)
        {
            command["message"] = message;
        }

        Send(command);
    }

    public void ClearFaults() => Send(new JsonObject { ["op"] = "clear" });

    /// <summary>Lets downloads stopped by a "hold" fault go on.</summary>
    public void Release() => Send(new JsonObject { ["op"] = "release" });

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Send(JsonObject command)
    {
        int acks = Count("ack");
        _process.StandardInput.WriteLine(command.ToJsonString());
        _process.StandardInput.Flush();
        WaitUntil(() => Count("ack") > acks, EventTimeout, $"to acknowledge {command.ToJsonString()}");
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        JsonObject? parsed;
        try
        {
            parsed = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            parsed = null;
        }

        lock (_gate)
        {
            if (parsed is null)
            {
                _stderr.AppendLine("stdout: " + line);
            }
            else
            {
                _events.Add(parsed);
            }

            Monitor.PulseAll(_gate);
        }
    }

    private void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var elapsed = Stopwatch.StartNew();
        lock (_gate)
        {
            while (!condition())
            {
                TimeSpan left = timeout - elapsed.Elapsed;
                if (left <= TimeSpan.Zero || _process.HasExited)
                {
                    throw new TimeoutException($"the dfdaemon stand-in did not get {what} (exited: {_process.HasExited}); stderr:\n{_stderr}");
                }

                // Bounded waits: the process may exit without another line.
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(Math.Min(200, left.TotalMilliseconds)));
            }
        }
    }

    private static string FindDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Join(dir.FullName, "tests", "dragonfly");
            if (File.Exists(Path.Join(candidate, "standin.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"tests/dragonfly/standin.js not found above {AppContext.BaseDirectory}");
    }
}
