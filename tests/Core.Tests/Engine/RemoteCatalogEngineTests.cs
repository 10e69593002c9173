using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Engine;

/// <summary>Listing a name's versions in the remote catalog, and deleting a snapshot there too (on an OCI layout).</summary>
public sealed class RemoteCatalogEngineTests : EngineTestBase
{
    private readonly SnapshotEngine _first;
    private readonly SnapshotEngine _second;

    public RemoteCatalogEngineTests()
    {
        var registry = new RegistryOptions { Url = "oci:" + Temp.Combine("layout"), Namespace = "fleet" };
        _first = SnapshotEngine.Open(new EngineOptions { RootDir = Temp.Combine("first"), Registry = registry });
        _second = SnapshotEngine.Open(new EngineOptions { RootDir = Temp.Combine("second"), Registry = registry });
        Source("a.txt", "a"u8.ToArray());
        Source("b.txt", "b"u8.ToArray());
        _first.Snapshot(SnapshotOf("app", "v1", BaseDir, new FileSpec("a.txt", false)));
        _first.Snapshot(SnapshotOf("app", "v2", BaseDir, new FileSpec("b.txt", false)));
        _second.Snapshot(SnapshotOf("app", "v0", BaseDir, new FileSpec("a.txt", false), new FileSpec("b.txt", false)));
        _second.Restore(new RestoreRequest { Name = "app", Version = "v2" });
    }

    protected override void Dispose(bool disposing)
    {
        _first.Dispose();
        _second.Dispose();
        base.Dispose(disposing);
    }

    private static string Where(SnapshotInfo s) => $"{s.Version}:{(s.Local ? "L" : "")}{(s.Remote ? "R" : "")}";

    [Fact]
    public void A_remote_listing_marks_where_each_version_is()
    {
        Assert.Equal(["v0:L", "v2:L"], _second.List("app").Select(Where));
        IReadOnlyList<SnapshotInfo> both = _second.List("app", remote: true);

        Assert.Equal(["v0:LR", "v2:LR", "v1:R"], both.Select(Where));
        SnapshotInfo remoteOnly = both[2];
        Assert.Equal(("app", 0L, 0L, 0L), (remoteOnly.Name, remoteOnly.CreatedNs, remoteOnly.Files, remoteOnly.StoredBytes));
        Assert.Empty(_second.List("nothing", remote: true));
    }

    [Fact]
    public void A_remote_listing_needs_a_name_and_a_registry()
    {
        Assert.Contains("needs a name", Expect.Error(ErrorCode.InvalidArgument, () => _second.List(remote: true)).Message);
        Assert.Contains("no registry", Expect.Error(ErrorCode.InvalidArgument, () => Engine.List("app", remote: true)).Message);
        Assert.Contains("no registry", Expect.Error(ErrorCode.InvalidArgument, () => Engine.Delete(SnapshotReference.Parse("app:v1"), remote: true)).Message);
    }

    [Fact]
    public void Deleting_remotely_removes_the_manifest_and_then_the_local_snapshot()
    {
        DeleteStats stats = _second.Delete(SnapshotReference.Parse("app:v2"), remote: true);

        Assert.StartsWith("sha256:", stats.RemoteManifest);
        Assert.Equal(1, stats.Files);
        Assert.Equal(["v0:LR", "v1:R"], _second.List("app", remote: true).Select(Where));
        Assert.Equal(["v1:LR", "v2:L", "v0:R"], _first.List("app", remote: true).Select(Where));

        DeleteStats remoteOnly = _second.Delete(SnapshotReference.Parse("app:v1"), remote: true);
        Assert.Equal((0L, true), (remoteOnly.Files, remoteOnly.RemoteManifest is not null));
        Assert.Contains("neither locally nor in oci:", Expect.Error(ErrorCode.NotFound, () => _second.Delete(SnapshotReference.Parse("app:v1"), remote: true)).Message);
        Assert.Equal(2, _second.Delete(SnapshotReference.Parse("app:v0")).Files);
        Assert.Equal(["v0:R"], _second.List("app", remote: true).Select(Where));
    }
}
