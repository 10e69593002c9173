using System.Text.Json.Nodes;
using Snapshotter.Engine;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Two nodes, each with its own dfdaemon (stand-in) and task storage, one object storage between them: what one
/// node snapshots, the other restores through its own dfdaemon, and the reverse. Snapshot metadata cannot move
/// between stores yet (it is local SQLite until registry metadata exists), so "node B" restores on the same root
/// after its local content is gone: every byte it restores comes through node B's dfdaemon.
/// </summary>
public sealed class TwoNodeTests : DragonflyTestBase
{
    [Fact]
    public void Content_snapshotted_through_one_dfdaemon_restores_through_the_other_and_back()
    {
        DfdaemonStandIn nodeA = StartStandIn("node-a");
        DfdaemonStandIn nodeB = StartStandIn("node-b");
        byte[] memory = TestFiles.Pattern(3 << 20, 41);
        string disk = TestFiles.WriteSparse(Path.Join(BaseDir, "disk.img"), 8 << 20, (0, TestFiles.Pattern(5000, 42)), (6 << 20, TestFiles.Pattern(70_000, 43)));
        Source("memory.bin", memory, mode: 0x124);
        using (SnapshotEngine a = OpenDragonfly(nodeA))
        {
            a.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("memory.bin", true), new FileSpec("disk.img", false)));
        }

        ForgetLocalContent();
        using (SnapshotEngine b = OpenDragonfly(nodeB))
        {
            b.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine("on-b") });
            Source("state", "test content"u8.ToArray());
            b.Snapshot(SnapshotOf("vm", "v2", BaseDir, new FileSpec("state", false)));
        }

        Assert.Equal(memory, File.ReadAllBytes(Temp.Combine("on-b", "memory.bin")));
        Assert.Equal(TestFiles.DataExtents(disk), TestFiles.DataExtents(Temp.Combine("on-b", "disk.img")));
        Assert.Equal(File.ReadAllBytes(disk), File.ReadAllBytes(Temp.Combine("on-b", "disk.img")));
        Assert.All(nodeB.Requests("DownloadPersistentTask"), d => Assert.True((bool)d["force_hard_link"]!));
        Assert.Equal(2, nodeB.Requests("DownloadPersistentTask").Count);
        Assert.Empty(nodeA.Requests("DownloadPersistentTask"));

        ForgetLocalContent();
        using (SnapshotEngine a = OpenDragonfly(nodeA))
        {
            a.Restore(new RestoreRequest { Name = "vm", Version = "v2", OutputDir = Temp.Combine("on-a") });
        }

        Assert.Equal("test content"u8.ToArray(), File.ReadAllBytes(Temp.Combine("on-a", "state")));
        JsonObject back = nodeA.Requests("DownloadPersistentTask").Single();
        Assert.Equal("s3://bucket/snapshots/xxh3/5e0ba398f628c5e4", (string)back["url"]!);
        Assert.Single(nodeB.Requests("UploadPersistentTask"));
    }
}
