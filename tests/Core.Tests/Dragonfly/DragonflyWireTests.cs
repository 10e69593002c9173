using Snapshotter.Dragonfly.Protos;
using Snapshotter.Engine;
using Snapshotter.Providers;
using Snapshotter.Tests.Support;
using static Snapshotter.Tests.Support.ProtoWire;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Golden tests of the dfdaemon wire contract (compat.md section 5), read with a hand-written protobuf decoder so
/// that the library's .proto files and the stand-in (which loads them) cannot share one misunderstanding: the
/// bytes the library really sent are checked field number by field number, and answers written by hand from the
/// field tables are parsed by the library's messages.
/// </summary>
public sealed class DragonflyWireTests : DragonflyTestBase
{
    private const string StateHex = "5e0ba398f628c5e4";

    [Fact]
    public void Method_paths_are_dfdaemon_v2_DfdaemonDownload()
    {
        Assert.Equal("/dfdaemon.v2.DfdaemonDownload/UploadPersistentTask", DragonflyContentProvider.UploadMethod);
        Assert.Equal("/dfdaemon.v2.DfdaemonDownload/DownloadPersistentTask", DragonflyContentProvider.DownloadMethod);
    }

    [Fact]
    public void An_upload_request_carries_every_field_under_its_compat_number()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        SnapshotAndRestore(dfdaemon, EverythingSet(dfdaemon));

        List<Field> upload = Parse(dfdaemon.RawRequests("UploadPersistentTask").Single());

        Assert.Equal([1, 2, 3, 4, 5, 6], upload.Select(f => f.Number));
        Assert.Equal($"s3://bucket/snapshots/xxh3/{StateHex}", Single(upload, 1, Len).Text);
        AssertObjectStorage(Single(upload, 2, Len).Message, "eu-west-1", "https://objects.example:9000", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", insecure: true);
        Assert.Equal(Path.Join(ContentDir, StateHex), Single(upload, 3, Len).Text);
        Assert.Equal(3UL, Single(upload, 4, Varint).Value);
        AssertDuration(Single(upload, 5, Len), 21600);
        AssertDuration(Single(upload, 6, Len), 300);
    }

    [Fact]
    public void A_download_request_carries_every_field_under_its_compat_number()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        SnapshotAndRestore(dfdaemon, OptionsFor(dfdaemon) with { Region = "r", Endpoint = "http://e:9000", Timeout = TimeSpan.FromSeconds(90) });

        List<Field> download = Parse(dfdaemon.RawRequests("DownloadPersistentTask").Single());

        // persistent (3), need_piece_content (6), digest (8), remote_ip (9) and overwrite (10) stay unset.
        Assert.Equal([1, 2, 4, 5, 7], download.Select(f => f.Number));
        Assert.Equal($"s3://bucket/snapshots/xxh3/{StateHex}", Single(download, 1, Len).Text);
        AssertObjectStorage(Single(download, 2, Len).Message, "r", "http://e:9000", null, null, insecure: false);
        string output = Single(download, 4, Len).Text;
        Assert.StartsWith(Path.Join(ContentDir, ".download-"), output, StringComparison.Ordinal);
        Assert.EndsWith("/" + StateHex, output, StringComparison.Ordinal);
        AssertDuration(Single(download, 5, Len), 90);
        Assert.Equal(1UL, Single(download, 7, Varint).Value);
    }

    [Fact]
    public void Region_and_endpoint_are_present_even_when_empty()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        SnapshotAndRestore(dfdaemon, OptionsFor(dfdaemon));

        foreach (byte[] raw in dfdaemon.RawRequests("UploadPersistentTask").Concat(dfdaemon.RawRequests("DownloadPersistentTask")))
        {
            // Field 1 and field 2, each of length 0, and nothing else.
            Assert.Equal([0x0A, 0x00, 0x12, 0x00], Single(Parse(raw), 2, Len).Bytes);
        }
    }

    [Fact]
    public void The_task_id_is_sha256_of_url_region_endpoint_and_persistent()
    {
        // Computed with: printf '%s' "s3://bucket/snapshots/xxh3/5e0ba398f628c5e4PERSISTENT" | sha256sum
        const string EmptyRegionAndEndpoint = "5bd7a3725fd45e1fe0bb8ba341926ef095046160969dd16b3c3dc59cd79138fb";
        // printf '%s' "s3://bucket/snapshots/xxh3/5e0ba398f628c5e4eu-west-1https://objects.example:9000PERSISTENT" | sha256sum
        const string WithRegionAndEndpoint = "e2b6efaced62d7a7e4e5ba504dc7b21d3bf9babfa19b9e6e5c9755ad0b2c0dcc";
        string url = $"s3://bucket/snapshots/xxh3/{StateHex}";
        DfdaemonStandIn dfdaemon = StartStandIn();

        SnapshotAndRestore(dfdaemon, OptionsFor(dfdaemon));

        Assert.Equal(EmptyRegionAndEndpoint, DfdaemonStandIn.TaskIdOf(url, "", ""));
        Assert.Equal(WithRegionAndEndpoint, DfdaemonStandIn.TaskIdOf(url, "eu-west-1", "https://objects.example:9000"));
        // The stand-in names its task files by the same id (and hardlinked that file into the store).
        Assert.True(Inode.Of(Path.Join(dfdaemon.StorageDir, EmptyRegionAndEndpoint)).IsSameAs(Inode.Of(Path.Join(ContentDir, StateHex))));
    }

    [Fact]
    public void Download_answers_written_from_the_field_tables_parse()
    {
        byte[] started = [.. StringField(1, "host-1"), .. StringField(2, "task-1"), .. StringField(3, "peer-1"), .. LenField(4, VarintField(1, 600_036))];
        byte[] piece =
        [
            .. VarintField(1, 7), .. StringField(2, "parent-9"), .. VarintField(3, 4096), .. VarintField(4, 65536), .. StringField(5, "crc32:abcd"),
            .. LenField(6, [1, 2, 3]), .. VarintField(7, 1), .. LenField(8, VarintField(2, 5000)), .. LenField(9, VarintField(1, 1_700_000_000)),
        ];
        byte[] finished = [.. StringField(2, "task-1"), .. LenField(5, LenField(1, piece))];

        DownloadPersistentTaskResponse first = DownloadPersistentTaskResponse.Parser.ParseFrom(started);
        DownloadPersistentTaskResponse second = DownloadPersistentTaskResponse.Parser.ParseFrom(finished);

        Assert.Equal(("host-1", "task-1", "peer-1"), (first.HostId, first.TaskId, first.PeerId));
        Assert.Equal(600_036UL, first.DownloadPersistentTaskStartedResponse.ContentLength);
        Piece parsed = second.DownloadPieceFinishedResponse.Piece;
        Assert.Equal((7U, "parent-9", 4096UL, 65536UL, "crc32:abcd"), (parsed.Number, parsed.ParentId, parsed.Offset, parsed.Length, parsed.Digest));
        Assert.Equal([1, 2, 3], parsed.Content.ToByteArray());
        Assert.Equal(TrafficType.RemotePeer, parsed.TrafficType);
        Assert.Equal(TimeSpan.FromTicks(50), parsed.Cost.ToTimeSpan());
        Assert.Equal(1_700_000_000, parsed.CreatedAt.Seconds);
    }

    [Fact]
    public void Persistent_task_and_object_storage_written_from_the_field_tables_parse()
    {
        byte[] task =
        [
            .. StringField(1, "id-1"), .. VarintField(2, 2), .. VarintField(3, 1), .. VarintField(4, 4), .. VarintField(5, 600_036), .. VarintField(6, 10),
            .. StringField(7, "Succeeded"), .. LenField(8, VarintField(1, 86400)), .. LenField(9, VarintField(1, 1)), .. LenField(10, VarintField(1, 2)),
        ];
        byte[] storage =
        [
            .. StringField(1, "r"), .. StringField(2, "e"), .. StringField(3, "id"), .. StringField(4, "secret"), .. StringField(5, "session"),
            .. StringField(6, "/credentials"), .. StringField(7, "private"), .. StringField(8, "security"), .. VarintField(9, 1),
        ];

        PersistentTask parsedTask = PersistentTask.Parser.ParseFrom(task);
        ObjectStorage parsedStorage = ObjectStorage.Parser.ParseFrom(storage);

        Assert.Equal(("id-1", 2UL, 1UL, 4UL, 600_036UL, 10U, "Succeeded"), (parsedTask.Id, parsedTask.PersistentReplicaCount, parsedTask.CurrentPersistentReplicaCount, parsedTask.CurrentReplicaCount, parsedTask.ContentLength, parsedTask.PieceCount, parsedTask.State));
        Assert.Equal((86400L, 1L, 2L), (parsedTask.Ttl.Seconds, parsedTask.CreatedAt.Seconds, parsedTask.UpdatedAt.Seconds));
        Assert.Equal(("r", "e", "id", "secret"), (parsedStorage.Region, parsedStorage.Endpoint, parsedStorage.AccessKeyId, parsedStorage.AccessKeySecret));
        Assert.Equal(("session", "/credentials", "private", "security", true), (parsedStorage.SessionToken, parsedStorage.CredentialPath, parsedStorage.PredefinedAcl, parsedStorage.SecurityToken, parsedStorage.InsecureSkipVerify));
    }

    /// <summary>Snapshots "test content" (xxh3:5e0ba398f628c5e4), drops it locally, restores it: one upload, one download.</summary>
    private void SnapshotAndRestore(DfdaemonStandIn dfdaemon, Snapshotter.Dragonfly.DragonflyOptions options)
    {
        using SnapshotEngine engine = OpenDragonfly(options);
        Source("state", "test content"u8.ToArray());
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));
        File.Delete(Path.Join(ContentDir, StateHex));
        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1" });
        Assert.Single(dfdaemon.RawRequests("DownloadPersistentTask"));
    }

    private static void AssertObjectStorage(List<Field> storage, string region, string endpoint, string? keyId, string? secret, bool insecure)
    {
        Assert.Equal(region, Single(storage, 1, Len).Text);
        Assert.Equal(endpoint, Single(storage, 2, Len).Text);
        Assert.Equal(keyId, storage.Where(f => f.Number == 3).Select(f => f.Text).SingleOrDefault());
        Assert.Equal(secret, storage.Where(f => f.Number == 4).Select(f => f.Text).SingleOrDefault());
        Assert.Equal(insecure, storage.Any(f => f.Number == 9 && f.WireType == Varint && f.Value == 1));
        Assert.DoesNotContain(storage, f => f.Number is >= 5 and <= 8 || f.Number > 9);
    }

    private static void AssertDuration(Field field, long seconds)
    {
        List<Field> duration = field.Message;
        Assert.Equal(seconds, (long)Single(duration, 1, Varint).Value);
        Assert.DoesNotContain(duration, f => f.Number == 2 && f.Value != 0);
    }
}
