using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.Oci;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Registry;

/// <summary>
/// A registry with auth.token and the tests' own token service (JWTs signed with a key pair made here):
/// tokens are fetched with the credentials, cached per scope until they expire, refused credentials are
/// UNAUTHENTICATED and a token without the needed scope is PERMISSION_DENIED.
/// </summary>
public sealed class BearerAuthTests : IClassFixture<BearerAuthTests.Servers>
{
    private const string User = "bob";
    private const string Password = "t0ken-Service-pw";
    private const int TokenLifetimeSeconds = 300;
    private readonly TokenServer _tokens;
    private readonly RegistryServer _server;

    public BearerAuthTests(Servers servers)
    {
        _tokens = servers.Tokens;
        _server = servers.Registry;
        _tokens.Allow = (_, _) => true;
    }

    /// <summary>One token service and registry for the class; tests use repositories of their own.</summary>
    public sealed class Servers : IDisposable
    {
        public Servers()
        {
            Registry = RegistryServer.Start(new RegistryServer.Options { Tokens = Tokens });
        }

        public TokenServer Tokens { get; } = new(User, Password, TokenLifetimeSeconds);

        public RegistryServer Registry { get; }

        public void Dispose()
        {
            Registry.Dispose();
            Tokens.Dispose();
        }
    }

    [Fact]
    public void Tokens_are_fetched_once_per_scope_and_reused_until_they_expire()
    {
        var clock = new TestClock();
        string name = RegistryFixture.UniqueName();
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, Password), clock);
        SnapshotArtifact artifact = RegistryTestClient.Artifact();
        int before = _tokens.Requests.Count;

        catalog.Push(name, "v1", artifact, CancellationToken.None);
        Assert.Equal(artifact.ManifestDescriptor.Digest, catalog.Pull(name, "v1", CancellationToken.None)?.ManifestDigest);
        string[][] afterFirst = _tokens.Requests.Skip(before).ToArray();
        catalog.Pull(name, "v1", CancellationToken.None);
        catalog.Push(name, "v1", artifact, CancellationToken.None);
        int reused = _tokens.Requests.Count;
        clock.Advance(TimeSpan.FromSeconds(TokenLifetimeSeconds));
        catalog.Pull(name, "v1", CancellationToken.None);

        Assert.Equal([[$"repository:team/{name}:pull"], [$"repository:team/{name}:pull,push"]], afterFirst);
        Assert.Equal(before + afterFirst.Length, reused);
        Assert.Equal(reused + 1, _tokens.Requests.Count);
    }

    [Fact]
    public void Refused_credentials_are_unauthenticated_naming_the_token_service_not_the_password()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, "not-" + Password));

        SnapshotterException e = Expect.Error(ErrorCode.Unauthenticated, () => catalog.Pull("app", "v1", CancellationToken.None));

        Assert.Contains(_tokens.Realm, e.Message);
        Assert.Contains("refused the configured username and password", e.Message);
        Assert.DoesNotContain(Password, e.Message);
    }

    [Fact]
    public void Missing_credentials_are_unauthenticated()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(_server.Url);

        Assert.Contains("none are configured", Expect.Error(ErrorCode.Unauthenticated, () => catalog.Pull("app", "v1", CancellationToken.None)).Message);
    }

    [Fact]
    public void A_token_without_push_access_is_permission_denied()
    {
        _tokens.Allow = (_, action) => action == "pull";
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, Password));

        string name = RegistryFixture.UniqueName();
        Assert.Null(catalog.Pull(name, "v1", CancellationToken.None));
        SnapshotterException e = Expect.Error(ErrorCode.PermissionDenied, () => catalog.Push(name, "v1", RegistryTestClient.Artifact(), CancellationToken.None));

        Assert.Contains("too little access", e.Message);
    }
}
