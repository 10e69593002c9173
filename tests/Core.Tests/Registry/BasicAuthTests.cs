using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.Oci;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Registry;

/// <summary>A registry with htpasswd (bcrypt) Basic auth: the right credentials work, wrong or missing ones are
/// UNAUTHENTICATED, and the password never appears in a message.</summary>
public sealed class BasicAuthTests : IClassFixture<BasicAuthTests.Server>
{
    private const string User = "alice";
    private const string Password = "s3cret-Basic-pw";
    private readonly RegistryServer _server;

    public BasicAuthTests(Server server)
    {
        _server = server.Registry;
    }

    public sealed class Server : IDisposable
    {
        public RegistryServer Registry { get; } = RegistryServer.Start(new RegistryServer.Options { Users = [(User, Password)] });

        public void Dispose() => Registry.Dispose();
    }

    [Fact]
    public void The_right_credentials_push_and_pull()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, Password));
        SnapshotArtifact artifact = RegistryTestClient.Artifact();

        catalog.Push("app", "v1", artifact, CancellationToken.None);

        Assert.Equal(artifact.ManifestDescriptor.Digest, catalog.Pull("app", "v1", CancellationToken.None)?.ManifestDigest);
    }

    [Fact]
    public async Task Concurrent_first_requests_all_authenticate()
    {
        using (RegistryCatalog writer = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, Password)))
        {
            writer.Push("concurrent", "v1", RegistryTestClient.Artifact(), CancellationToken.None);
        }

        // A new client knows nothing of the registry: every one of these requests goes out without credentials
        // and is challenged, most of them after another one's challenge switched the client to Basic.
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, Password));
        var pulls = Enumerable.Range(0, 8).Select(_ => Task.Run(() => catalog.Pull("concurrent", "v1", CancellationToken.None)));

        foreach (var pulled in await Task.WhenAll(pulls))
        {
            Assert.NotNull(pulled);
        }
    }

    [Fact]
    public void A_wrong_password_is_unauthenticated_and_not_shown()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(RegistryTestClient.Options(_server.Url, User, "wrong-" + Password));

        SnapshotterException e = Expect.Error(ErrorCode.Unauthenticated, () => catalog.Pull("app", "v1", CancellationToken.None));

        Assert.Contains("refused the configured username and password", e.Message);
        Assert.DoesNotContain(Password, e.Message);
    }

    [Fact]
    public void Missing_credentials_are_unauthenticated()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(_server.Url);

        SnapshotterException e = Expect.Error(ErrorCode.Unauthenticated, () => catalog.Push("app", "v1", RegistryTestClient.Artifact(), CancellationToken.None));

        Assert.Contains("requires a username and password", e.Message);
    }
}
