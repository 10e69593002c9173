using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.Oci;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;
using Fault = Snapshotter.Tests.Support.FaultProxy.Fault;

namespace Snapshotter.Tests.Registry;

/// <summary>
/// A fault-injecting proxy between the client and a real registry: 5xx, 429 with Retry-After, connection
/// resets, bodies cut short and stalls are retried and succeed when they pass; when they do not, the caller
/// gets UNAVAILABLE or TIMEOUT saying what failed and how often; errors that retrying cannot fix are not
/// retried; cancellation reaches a request in flight. Waits between attempts are recorded, not slept.
/// </summary>
public sealed class RegistryFaultTests : IClassFixture<RegistryFixture>, IDisposable
{
    private const string Manifests = "/manifests/";
    private const string Blobs = "/blobs/sha256:";
    private readonly RegistryFixture _registry;
    private readonly FaultProxy _proxy;
    private readonly TestClock _clock = new();
    private readonly List<RegistryCatalog> _catalogs = [];

    public RegistryFaultTests(RegistryFixture registry)
    {
        _registry = registry;
        _proxy = new FaultProxy(registry.Server.Port);
    }

    public void Dispose()
    {
        foreach (RegistryCatalog catalog in _catalogs)
        {
            catalog.Dispose();
        }

        _proxy.Dispose();
    }

    private RegistryCatalog Catalog(int maxAttempts = RegistryOptions.DefaultMaxAttempts, TimeSpan? requestTimeout = null, TimeSpan? retryTimeLimit = null)
    {
        RegistryCatalog catalog = RegistryTestClient.Open(new RegistryOptions
        {
            Url = _proxy.Url,
            Namespace = "team",
            MaxAttempts = maxAttempts,
            RequestTimeout = requestTimeout ?? RegistryOptions.DefaultRequestTimeout,
            RetryTimeLimit = retryTimeLimit ?? RegistryOptions.DefaultRetryTimeLimit,
            RetryBaseDelay = RegistryTestClient.FastRetries,
        }, _clock);
        _catalogs.Add(catalog);
        return catalog;
    }

    /// <summary>A snapshot in the registry, pushed around the proxy.</summary>
    private (string Name, SnapshotArtifact Artifact) Published()
    {
        string name = RegistryFixture.UniqueName();
        SnapshotArtifact artifact = RegistryTestClient.Artifact(name);
        using RegistryCatalog direct = RegistryTestClient.Open(_registry.Server.Url);
        direct.Push(name, "v1", artifact, CancellationToken.None);
        return (name, artifact);
    }

    [Fact]
    public void Server_errors_are_retried_until_they_pass()
    {
        (string name, SnapshotArtifact artifact) = Published();
        _proxy.Inject("GET", Manifests, new Fault.Respond(500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"boom\"}]}"), times: 2);
        _proxy.Inject("GET", Blobs, new Fault.Respond(503), times: 1);

        Assert.Equal(artifact.ManifestDescriptor.Digest, Catalog().Pull(name, "v1", CancellationToken.None)?.ManifestDigest);

        Assert.Equal(3, _proxy.Count("GET", Manifests));
        Assert.Equal(2, _proxy.Count("GET", Blobs));
        Assert.Equal(3, _clock.Waits.Count);
    }

    [Fact]
    public void Too_many_requests_waits_as_long_as_retry_after_says()
    {
        string name = RegistryFixture.UniqueName();
        _proxy.Inject("PUT", Manifests, new Fault.Respond(429, "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\"}]}", RetryAfter: "7"));

        Catalog().Push(name, "v1", RegistryTestClient.Artifact(), CancellationToken.None);

        Assert.Equal([TimeSpan.FromSeconds(7)], _clock.Waits);
        Assert.Equal(2, _proxy.Count("PUT", Manifests));
    }

    [Fact]
    public void A_retry_after_beyond_the_time_limit_gives_up_at_once()
    {
        _proxy.Inject("HEAD", Manifests, new Fault.Respond(429, RetryAfter: "600"));

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => Catalog(retryTimeLimit: TimeSpan.FromSeconds(60)).Push("app", "v1", RegistryTestClient.Artifact(), CancellationToken.None));

        Assert.Contains("429", e.Message);
        Assert.Contains("retry after 600 s", e.Message);
        Assert.Empty(_clock.Waits);
        Assert.Equal(1, _proxy.Count("HEAD", Manifests));
    }

    [Fact]
    public void Connection_resets_and_bodies_cut_short_are_retried()
    {
        (string name, SnapshotArtifact artifact) = Published();
        _proxy.Inject("GET", Manifests, new Fault.Reset(), times: 2);
        _proxy.Inject("GET", Blobs, new Fault.CutBody());

        Assert.Equal(artifact.ManifestDescriptor.Digest, Catalog().Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
        Assert.Equal(3, _proxy.Count("GET", Manifests));
        Assert.Equal(2, _proxy.Count("GET", Blobs));
    }

    [Fact]
    public void A_stalled_request_times_out_and_is_retried()
    {
        (string name, SnapshotArtifact artifact) = Published();
        _proxy.Inject("GET", Manifests, new Fault.Stall());

        Assert.Equal(artifact.ManifestDescriptor.Digest, Catalog(requestTimeout: TimeSpan.FromMilliseconds(500)).Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
        Assert.Equal(2, _proxy.Count("GET", Manifests));
    }

    [Fact]
    public void A_registry_that_never_answers_is_a_timeout_after_every_attempt()
    {
        _proxy.Inject("GET", Manifests, new Fault.Stall(), times: int.MaxValue);

        SnapshotterException e = Expect.Error(ErrorCode.Timeout, () => Catalog(maxAttempts: 2, requestTimeout: TimeSpan.FromMilliseconds(300)).Pull("app", "v1", CancellationToken.None));

        Assert.Contains("no answer within 0.3 s", e.Message);
        Assert.Contains("after 2 attempt(s)", e.Message);
        Assert.Equal(2, _proxy.Count("GET", Manifests));
    }

    [Fact]
    public void A_registry_that_keeps_failing_is_unavailable_saying_so()
    {
        _proxy.Inject("GET", Manifests, new Fault.Respond(503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"maintenance\"}]}"), times: int.MaxValue);

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => Catalog(maxAttempts: 3).Pull("app", "v1", CancellationToken.None));

        Assert.Contains("HTTP 503", e.Message);
        Assert.Contains("UNAVAILABLE: maintenance", e.Message);
        Assert.Contains("after 3 attempt(s)", e.Message);
        Assert.Contains("team/app:v1", e.Message);
        Assert.Equal(3, _proxy.Count("GET", Manifests));
    }

    [Fact]
    public void Nothing_listening_is_unavailable()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options($"http://127.0.0.1:{RegistryServer.FreePort()}") , _clock);

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => catalog.Pull("app", "v1", CancellationToken.None));

        Assert.Contains("Connection refused", e.Message);
        Assert.Contains($"after {RegistryOptions.DefaultMaxAttempts} attempt(s)", e.Message);
    }

    [Fact]
    public void A_refusal_is_not_retried_and_carries_the_registry_error_code()
    {
        _proxy.Inject("PUT", Manifests, new Fault.Respond(400, "{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"manifest invalid\",\"detail\":{}}]}"));

        SnapshotterException e = Expect.Error(ErrorCode.Unsupported, () => Catalog().Push(RegistryFixture.UniqueName(), "v1", RegistryTestClient.Artifact(), CancellationToken.None));

        Assert.Contains("HTTP 400", e.Message);
        Assert.Contains("MANIFEST_INVALID: manifest invalid", e.Message);
        Assert.Equal(1, _proxy.Count("PUT", Manifests));
        Assert.Empty(_clock.Waits);
    }

    [Fact]
    public void Cancellation_reaches_a_request_in_flight()
    {
        _proxy.Inject("GET", Manifests, new Fault.Stall());
        RegistryCatalog catalog = Catalog(requestTimeout: TimeSpan.FromMinutes(5));
        using var cancel = new CancellationTokenSource();

        Task pull = Task.Run(() => catalog.Pull("app", "v1", cancel.Token));
        Assert.True(_proxy.Stalled.Wait(TimeSpan.FromSeconds(30)), "the request never reached the proxy");
        cancel.Cancel();

        Assert.True(((IAsyncResult)pull).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30)), "cancellation did not stop the request");
        Assert.IsAssignableFrom<OperationCanceledException>(pull.Exception?.InnerException);
    }

    [Fact]
    public void A_config_altered_on_the_way_is_corrupt()
    {
        (string name, SnapshotArtifact artifact) = Published();
        _proxy.Inject("GET", Blobs, new Fault.ReplaceBody(body => [.. body[..^2], (byte)' ', .. body[^1..]]));

        SnapshotterException e = Expect.Error(ErrorCode.Corrupt, () => Catalog().Pull(name, "v1", CancellationToken.None));

        Assert.Contains(artifact.ConfigDescriptor.Digest, e.Message);
    }

    [Fact]
    public void An_oversized_manifest_is_refused_without_reading_it_all()
    {
        (string name, _) = Published();
        _proxy.Inject("GET", Manifests, new Fault.ReplaceBody(_ => new byte[SnapshotManifest.MaxManifestBytes + 1]));

        Assert.Contains("more than", Expect.Error(ErrorCode.Corrupt, () => Catalog().Pull(name, "v1", CancellationToken.None)).Message);
    }
}
