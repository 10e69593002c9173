using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Snapshotter.Tests.Support;

/// <summary>
/// A real OCI registry (Debian's docker-registry, CNCF distribution) on 127.0.0.1 and a free port, storing
/// into its own temp dir, killed and removed on Dispose. Anonymous by default; htpasswd Basic auth, Bearer
/// token auth against a <see cref="TokenServer"/>, and TLS are configured through the start options.
/// </summary>
public sealed class RegistryServer : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private const int StartAttempts = 3;

    private readonly TempDirectory _temp;
    private readonly Process _process;

    private RegistryServer(TempDirectory temp, Process process, int port, bool tls)
    {
        _temp = temp;
        _process = process;
        Port = port;
        Url = $"{(tls ? "https" : "http")}://127.0.0.1:{port}";
    }

    public int Port { get; }

    /// <summary>"http://127.0.0.1:PORT" (https with TLS).</summary>
    public string Url { get; }

    /// <summary>"127.0.0.1:PORT", as skopeo and curl address it.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public sealed record Options
    {
        /// <summary>(user, password) pairs for htpasswd Basic auth, hashed with bcrypt by htpasswd itself.</summary>
        public IReadOnlyList<(string User, string Password)>? Users { get; init; }

        public TokenServer? Tokens { get; init; }

        /// <summary>PEM certificate and key files: serve https.</summary>
        public (string Certificate, string Key)? Tls { get; init; }
    }

    public static RegistryServer Start(Options? options = null)
    {
        options ??= new Options();
        for (int attempt = 1; ; attempt++)
        {
            var temp = new TempDirectory();
            int port = FreePort();
            Process process = Launch(temp, port, options);
            try
            {
                WaitUntilServing(process, port, options.Tls is not null);
                return new RegistryServer(temp, process, port, options.Tls is not null);
            }
            catch (Exception) when (attempt < StartAttempts)
            {
                // Most likely the free port was taken between probing and binding: try another one.
                Stop(process);
                temp.Dispose();
            }
            catch
            {
                Stop(process);
                temp.Dispose();
                throw;
            }
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        Stop(_process);
        _temp.Dispose();
    }

    private static Process Launch(TempDirectory temp, int port, Options options)
    {
        string storage = temp.CreateDirectory("storage");
        var config = new List<string>
        {
            "version: 0.1",
            "log:",
            "  level: error",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            $"    rootdirectory: {storage}",
            "  delete:",
            "    enabled: true",
            "http:",
            $"  addr: 127.0.0.1:{port}",
            "  secret: snapshotter-tests",
        };
        if (options.Tls is { } tls)
        {
            config.AddRange(["  tls:", $"    certificate: {tls.Certificate}", $"    key: {tls.Key}"]);
        }

        if (options.Users is { } users)
        {
            string htpasswd = temp.Combine("htpasswd");
            File.WriteAllLines(htpasswd, users.Select(u => Tools.Run("htpasswd", "-Bbn", u.User, u.Password).Trim()));
            config.AddRange(["auth:", "  htpasswd:", "    realm: snapshotter-tests", $"    path: {htpasswd}"]);
        }
        else if (options.Tokens is { } tokens)
        {
            config.AddRange([
                "auth:",
                "  token:",
                $"    realm: {tokens.Realm}",
                $"    service: {tokens.Service}",
                $"    issuer: {tokens.Issuer}",
                $"    rootcertbundle: {tokens.CertificateFile}",
            ]);
        }

        string configPath = temp.Combine("config.yml");
        File.WriteAllLines(configPath, config);
        var start = new ProcessStartInfo("docker-registry")
        {
            ArgumentList = { "serve", configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start) ?? throw new InvalidOperationException("docker-registry did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitUntilServing(Process process, int port, bool tls)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {process.ExitCode} while starting on port {port}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                if (!tls)
                {
                    using var http = new HttpClient();
                    using HttpResponseMessage response = http.GetAsync($"http://127.0.0.1:{port}/v2/").GetAwaiter().GetResult();
                }

                return;
            }
            catch (Exception e) when (e is SocketException or HttpRequestException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"docker-registry did not serve on port {port} within {StartTimeout.TotalSeconds} s");
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
