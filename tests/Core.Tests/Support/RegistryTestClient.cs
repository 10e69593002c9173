using Snapshotter.Catalogs;
using Snapshotter.Oci;
using Snapshotter.Registry;

namespace Snapshotter.Tests.Support;

/// <summary>Registry catalogs for tests, in the namespace "team", waiting between retries on a
/// <see cref="TestClock"/> (which skips the waits and records them) unless another clock is given.</summary>
internal static class RegistryTestClient
{
    public static readonly TimeSpan FastRetries = TimeSpan.FromMilliseconds(10);

    public static RegistryOptions Options(string url, string? username = null, string? password = null) =>
        new() { Url = url, Namespace = "team", Username = username, Password = password, RetryBaseDelay = FastRetries };

    public static RegistryCatalog Open(string url, TimeProvider? time = null) => Open(Options(url), time);

    public static RegistryCatalog Open(RegistryOptions options, TimeProvider? time = null) =>
        (RegistryCatalog)RemoteCatalogs.Open(options, time ?? new TestClock());

    public static SnapshotArtifact Artifact(string path = "dir/file") => SnapshotArtifact.Build([Oci.ArtifactGoldenTests.GoldenFile with { RelativePath = path }]);
}
