using System.Text;
using Snapshotter.Oci;
using Snapshotter.Engine;
using Snapshotter.Metadata;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Registry;

/// <summary>
/// Other OCI tools on the same registry: skopeo reads what this library pushed byte for byte; a snapshot in
/// the Go library's exact form, pushed with curl, restores; an oci: layout snapshot moved into the registry
/// with `skopeo copy` restores.
/// </summary>
public sealed class InteropTests : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly RegistryFixture _registry;
    private readonly TempDirectory _temp = new();
    private readonly List<IDisposable> _owned = [];

    public InteropTests(RegistryFixture registry)
    {
        _registry = registry;
        BaseDir = _temp.CreateDirectory("base");
        TestFiles.WriteDense(Path.Join(BaseDir, "ro.bin"), TestFiles.Pattern(70_000, 1));
        TestFiles.WriteSparse(Path.Join(BaseDir, "disk/sparse.img"), 4 << 20, (1 << 20, TestFiles.Pattern(9000, 2)));
        TestFiles.WriteDense(Path.Join(BaseDir, "notes.txt"), "hello world\n"u8);
    }

    private string BaseDir { get; }

    private string SharedContent => _temp.Combine("content");

    private static FileSpec[] Files => [new("ro.bin", true), new("disk/sparse.img", false), new("notes.txt", false)];

    public void Dispose()
    {
        foreach (IDisposable owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _temp.Dispose();
    }

    private SnapshotEngine Node(string node, string? registryUrl, string? repositoryNamespace = null) =>
        Own(SnapshotEngine.Open(new EngineOptions
        {
            RootDir = _temp.Combine("node-" + node),
            ContentDirectory = SharedContent,
            Registry = registryUrl is null ? null : new RegistryOptions { Url = registryUrl, Namespace = repositoryNamespace },
        }));

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private void AssertRestored(string output)
    {
        foreach (FileSpec file in Files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Join(BaseDir, file.RelativePath)), File.ReadAllBytes(Path.Join(output, file.RelativePath)));
            Assert.Equal(TestFiles.DataExtents(Path.Join(BaseDir, file.RelativePath)), TestFiles.DataExtents(Path.Join(output, file.RelativePath)));
        }
    }

    private string Docker(string repository, string version) => $"docker://{_registry.Server.Host}/{repository}:{version}";

    [Fact]
    public void Skopeo_reads_the_manifest_and_config_byte_for_byte()
    {
        string name = RegistryFixture.UniqueName();
        Node("a", _registry.Server.Url).Snapshot(new SnapshotRequest { Name = name, Version = "v1", BaseDir = BaseDir, Files = Files });
        using var catalog = RegistryTestClient.Open(new RegistryOptions { Url = _registry.Server.Url });
        RemoteSnapshot pushed = catalog.Pull(name, "v1", CancellationToken.None)!;
        SnapshotArtifact expected = SnapshotArtifact.Build(pushed.Files);

        string manifest = Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", Docker(name, "v1"));
        string config = Tools.Run("skopeo", "inspect", "--config", "--raw", "--tls-verify=false", Docker(name, "v1"));

        Assert.Equal(Encoding.UTF8.GetString(expected.Manifest), manifest);
        Assert.Equal(Encoding.UTF8.GetString(expected.Config), config);
        Assert.Equal(expected.ManifestDescriptor.Digest, pushed.ManifestDigest);
    }

    [Fact]
    public void A_snapshot_in_the_go_library_form_pushed_with_curl_restores()
    {
        string name = RegistryFixture.UniqueName();
        Node("go", registryUrl: null).Snapshot(new SnapshotRequest { Name = name, Version = "v1", BaseDir = BaseDir, Files = Files });
        var metadata = MetadataStore.Open(_temp.Combine("node-go", "metadata"));
        List<FileRecord> files = metadata.GetFiles(metadata.FindCommitted(name, "v1")!.Id);
        (byte[] manifest, byte[] config) = GoForm.Artifact(Enumerable.Reverse(files));
        string configDigest = OciDigest.Of(config);
        string blobs = $"{_registry.Server.Url}/v2/go/{name}/blobs";
        string location = Tools.Run("curl", "-sS", "-f", "-X", "POST", "-o", "/dev/null", "-w", "%header{location}", $"{blobs}/uploads/").Trim();
        string configFile = _temp.Combine("config.json"), manifestFile = _temp.Combine("manifest.json");
        File.WriteAllBytes(configFile, config);
        File.WriteAllBytes(manifestFile, manifest);
        Tools.Run("curl", "-sS", "-f", "-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", "@" + configFile, $"{location}&digest={configDigest}");
        Tools.Run("curl", "-sS", "-f", "-X", "PUT", "-H", $"Content-Type: {MediaTypes.ImageManifest}", "--data-binary", "@" + manifestFile, $"{_registry.Server.Url}/v2/go/{name}/manifests/v1");
        Assert.Contains("\"layers\":null", Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", Docker($"go/{name}", "v1")));

        Node("b", _registry.Server.Url, "go").Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("out") });

        AssertRestored(_temp.Combine("out"));
    }

    [Fact]
    public void An_oci_layout_snapshot_copied_into_the_registry_with_skopeo_restores()
    {
        string name = RegistryFixture.UniqueName();
        string layout = _temp.Combine("layout");
        Node("a", "oci:" + layout).Snapshot(new SnapshotRequest { Name = name, Version = "v1", BaseDir = BaseDir, Files = Files });

        Tools.Run("skopeo", "copy", "--dest-tls-verify=false", $"oci:{layout}:{name}:v1", Docker($"copied/{name}", "v1"));
        Node("b", _registry.Server.Url, "copied").Restore(new RestoreRequest { Name = name, Version = "v1", OutputDir = _temp.Combine("out") });

        AssertRestored(_temp.Combine("out"));
        Assert.Equal(
            Tools.Run("skopeo", "inspect", "--raw", $"oci:{layout}:{name}:v1"),
            Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", Docker($"copied/{name}", "v1")));
    }
}
