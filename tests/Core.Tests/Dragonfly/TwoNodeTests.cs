using System.Text.Json.Nodes;
using Snapshotter.Engine;
using Snapshotter.Progress;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Two nodes, each with its own root directory and its own dfdaemon (stand-in, with its own task storage), sharing
/// one object storage for content and one OCI image layout for snapshot metadata: what one node snapshots, the other
/// restores through its own dfdaemon, and the reverse. Nothing is shared between the nodes but those two places.
/// </summary>
public sealed class TwoNodeTests : DragonflyTestBase
{
    [Fact]
    public void What_one_node_snapshots_the_other_restores_through_its_own_dfdaemon_and_back()
    {
        DfdaemonStandIn dfdaemonA = StartStandIn("node-a");
        DfdaemonStandIn dfdaemonB = StartStandIn("node-b");
        var registry = new RegistryOptions { Url = "oci:" + Temp.Combine("layout"), Namespace = "vms" };
        using SnapshotEngine nodeA = Node("root-a", dfdaemonA, registry);
        using SnapshotEngine nodeB = Node("root-b", dfdaemonB, registry);
        byte[] memory = TestFiles.Pattern(3 << 20, 41);
        string disk = TestFiles.WriteSparse(Path.Join(BaseDir, "disk.img"), 8 << 20, (0, TestFiles.Pattern(5000, 42)), (6 << 20, TestFiles.Pattern(70_000, 43)));
        Source("memory.bin", memory, mode: 0x124);

        nodeA.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("memory.bin", true), new FileSpec("disk.img", false)));
        var progress = new List<ProgressReport>();
        nodeB.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine("on-b"), Progress = progress.Add });

        Assert.Equal(memory, File.ReadAllBytes(Temp.Combine("on-b", "memory.bin")));
        Assert.Equal(TestFiles.DataExtents(disk), TestFiles.DataExtents(Temp.Combine("on-b", "disk.img")));
        Assert.Equal(File.ReadAllBytes(disk), File.ReadAllBytes(Temp.Combine("on-b", "disk.img")));
        Assert.Equal(2, dfdaemonA.Requests("UploadPersistentTask").Count);
        List<JsonObject> downloads = dfdaemonB.Requests("DownloadPersistentTask");
        Assert.Equal(2, downloads.Count);
        Assert.All(downloads, d => Assert.StartsWith(Temp.Combine("root-b"), (string)d["output_path"]!, StringComparison.Ordinal));
        Assert.Empty(dfdaemonA.Requests("DownloadPersistentTask"));
        // Pulled snapshots count their downloads in the restore's progress as well.
        Assert.Equal(2 * ((3L << 20) + (8L << 20)), progress[^1].BytesTotal);
        Assert.Equal(progress[^1].BytesTotal, progress[^1].BytesDone);

        Source("state", "test content"u8.ToArray());
        nodeB.Snapshot(SnapshotOf("vm", "v2", BaseDir, new FileSpec("state", false)));
        nodeA.Restore(new RestoreRequest { Name = "vm", Version = "v2", OutputDir = Temp.Combine("on-a") });

        Assert.Equal("test content"u8.ToArray(), File.ReadAllBytes(Temp.Combine("on-a", "state")));
        Assert.Equal("s3://bucket/snapshots/xxh3/5e0ba398f628c5e4", (string)dfdaemonA.Requests("DownloadPersistentTask").Single()["url"]!);
        Assert.Single(dfdaemonB.Requests("UploadPersistentTask"));
    }

    private SnapshotEngine Node(string root, DfdaemonStandIn dfdaemon, RegistryOptions registry) =>
        SnapshotEngine.Open(new EngineOptions { RootDir = Temp.Combine(root), Dragonfly = OptionsFor(dfdaemon), Registry = registry });
}
