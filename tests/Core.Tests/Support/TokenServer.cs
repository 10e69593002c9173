using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Snapshotter.Tests.Support;

/// <summary>
/// The token service of the Docker token protocol, for a <see cref="RegistryServer"/> configured with
/// auth.token: checks HTTP Basic credentials and answers with a JWT (RS256, signed with a key pair made at
/// test time, its certificate in the x5c header and in the registry's rootcertbundle) granting the requested
/// scopes, or only what <see cref="Allow"/> permits. Records every request; stops on Dispose.
/// </summary>
public sealed class TokenServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly TempDirectory _temp = new();
    private readonly Task _serving;

    public TokenServer(string user, string password, int lifetimeSeconds = 300)
    {
        User = user;
        Password = password;
        LifetimeSeconds = lifetimeSeconds;
        var request = new CertificateRequest("CN=snapshotter-test-token-issuer", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        CertificateFile = _temp.Combine("token-issuer.pem");
        File.WriteAllText(CertificateFile, _certificate.ExportCertificatePem());
        int port = RegistryServer.FreePort();
        Realm = $"http://127.0.0.1:{port}/token";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string User { get; }

    public string Password { get; }

    public int LifetimeSeconds { get; }

    public string Realm { get; }

    public string Service => "snapshotter-tests-registry";

    public string Issuer => "snapshotter-tests-issuer";

    public string CertificateFile { get; }

    /// <summary>Which (repository, action) pairs tokens may carry; everything by default.</summary>
    public Func<string, string, bool> Allow { get; set; } = (_, _) => true;

    /// <summary>The scope parameters of every token request, in arrival order.</summary>
    public ConcurrentQueue<string[]> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The listener was closed under the loop: that is how it stops.
        }

        _certificate.Dispose();
        _key.Dispose();
        _temp.Dispose();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using HttpListenerResponse response = context.Response;
            string[] scopes = (context.Request.QueryString.GetValues("scope") ?? []).SelectMany(s => s.Split(' ')).ToArray();
            Requests.Enqueue(scopes);
            if (!Authorized(context.Request.Headers["Authorization"]))
            {
                response.StatusCode = 401;
                await Write(response, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
                continue;
            }

            string token = Sign(context.Request.QueryString["service"] ?? "", scopes);
            await Write(response, JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["token"] = token,
                ["access_token"] = token,
                ["expires_in"] = LifetimeSeconds,
                ["issued_at"] = DateTime.UtcNow.ToString("o"),
            }));
        }
    }

    private bool Authorized(string? header) =>
        header is not null && header.StartsWith("Basic ", StringComparison.Ordinal)
        && Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])) == $"{User}:{Password}";

    private string Sign(string service, string[] scopes)
    {
        var access = new List<Dictionary<string, object>>();
        foreach (string scope in scopes)
        {
            int first = scope.IndexOf(':'), last = scope.LastIndexOf(':');
            if (first < 0 || last <= first)
            {
                continue;
            }

            string name = scope[(first + 1)..last];
            string[] actions = scope[(last + 1)..].Split(',').Where(a => Allow(name, a)).ToArray();
            access.Add(new() { ["type"] = scope[..first], ["name"] = name, ["actions"] = actions });
        }

        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["typ"] = "JWT",
            ["alg"] = "RS256",
            ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) },
        }));
        string claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = User,
            ["aud"] = service,
            ["exp"] = now + LifetimeSeconds,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        }));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes($"{header}.{claims}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{claims}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task Write(HttpListenerResponse response, string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
    }
}
