using Google.Protobuf.Reflection;
using Snapshotter.Dragonfly.Protos;
using Snapshotter.Engine;
using Snapshotter.Tests.Support;
using static Snapshotter.Tests.Support.ProtoWire;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Golden tests of the dfdaemon wire contract (docs/format.md, "The dfdaemon calls"; its field table is
/// docs/vectors/dfdaemon/fields.tsv), read with a hand-written protobuf decoder so that the library's .proto files
/// and the stand-in (which loads them) cannot share one misunderstanding: the library's messages must declare
/// exactly the documented fields, the bytes the library really sent are checked field number by field number, and
/// answers written by hand from the field table are parsed by the library's messages.
/// </summary>
public sealed class DragonflyWireTests : DragonflyTestBase
{
    private const string StateHex = "5e0ba398f628c5e4";
    private const string FieldTable = "dfdaemon/fields.tsv";
    private const string Upload = "dfdaemon.v2.UploadPersistentTaskRequest";
    private const string Download = "dfdaemon.v2.DownloadPersistentTaskRequest";
    private const string Storage = "common.v2.ObjectStorage";

    public static TheoryData<string> DocumentedMessages =>
        new(GoldenVectors.Table(FieldTable).Select(row => row["message"]).Distinct());

    [Theory]
    [MemberData(nameof(DocumentedMessages))]
    public void The_library_messages_declare_exactly_the_documented_fields(string message)
    {
        MessageDescriptor descriptor =
            DfdaemonReflection.Descriptor.FindTypeByName<MessageDescriptor>(message["dfdaemon.v2.".Length..])
            ?? CommonReflection.Descriptor.FindTypeByName<MessageDescriptor>(message["common.v2.".Length..])
            ?? throw new InvalidOperationException($"{message} is documented but not declared in src/Core/Dragonfly/Protos");
        var documented = GoldenVectors.Table(FieldTable).Where(row => row["message"] == message)
            .Select(row => $"{row["number"]} {row["name"]} {row["type"]} {row["presence"]}");

        var declared = descriptor.Fields.InFieldNumberOrder().Select(field => $"{field.FieldNumber} {field.Name} {TypeOf(field)} {PresenceOf(field)}");

        Assert.Equal(descriptor.FullName, message);
        Assert.Equal(documented, declared);
    }

    [Fact]
    public void Method_paths_are_dfdaemon_v2_DfdaemonDownload()
    {
        // The generated client calls /<service full name>/<method name>.
        ServiceDescriptor service = DfdaemonDownload.Descriptor;

        Assert.Equal(
            ["/dfdaemon.v2.DfdaemonDownload/UploadPersistentTask", "/dfdaemon.v2.DfdaemonDownload/DownloadPersistentTask"],
            service.Methods.Select(method => $"/{service.FullName}/{method.Name}"));
    }

    [Fact]
    public void An_upload_request_carries_every_field_under_its_documented_number()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        SnapshotAndRestore(dfdaemon, EverythingSet(dfdaemon));

        List<Field> upload = Parse(dfdaemon.RawRequests("UploadPersistentTask").Single());

        Assert.Equal(Numbers(Upload, "url", "object_storage", "path", "persistent_replica_count", "ttl", "timeout"), upload.Select(f => f.Number));
        Assert.Equal($"s3://bucket/snapshots/xxh3/{StateHex}", Single(upload, Number(Upload, "url"), Len).Text);
        AssertObjectStorage(Single(upload, Number(Upload, "object_storage"), Len).Message, "eu-west-1", "https://objects.example:9000", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", insecure: true);
        Assert.Equal(Path.Join(ContentDir, StateHex), Single(upload, Number(Upload, "path"), Len).Text);
        Assert.Equal(3UL, Single(upload, Number(Upload, "persistent_replica_count"), Varint).Value);
        AssertDuration(Single(upload, Number(Upload, "ttl"), Len), 21600);
        AssertDuration(Single(upload, Number(Upload, "timeout"), Len), 300);
    }

    [Fact]
    public void A_download_request_carries_every_field_under_its_documented_number()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        SnapshotAndRestore(dfdaemon, OptionsFor(dfdaemon) with { Region = "r", Endpoint = "http://e:9000", Timeout = TimeSpan.FromSeconds(90) });

        List<Field> download = Parse(dfdaemon.RawRequests("DownloadPersistentTask").Single());

        // persistent, need_piece_content, digest, remote_ip and overwrite stay unset.
        Assert.Equal(Numbers(Download, "url", "object_storage", "output_path", "timeout", "force_hard_link"), download.Select(f => f.Number));
        Assert.Equal($"s3://bucket/snapshots/xxh3/{StateHex}", Single(download, Number(Download, "url"), Len).Text);
        AssertObjectStorage(Single(download, Number(Download, "object_storage"), Len).Message, "r", "http://e:9000", null, null, insecure: false);
        string output = Single(download, Number(Download, "output_path"), Len).Text;
        Assert.StartsWith(Path.Join(ContentDir, ".download-"), output, StringComparison.Ordinal);
        Assert.EndsWith("/" + StateHex, output, StringComparison.Ordinal);
        AssertDuration(Single(download, Number(Download, "timeout"), Len), 90);
        Assert.Equal(1UL, Single(download, Number(Download, "force_hard_link"), Varint).Value);
    }

    [Fact]
    public void Region_and_endpoint_are_present_even_when_empty()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        SnapshotAndRestore(dfdaemon, OptionsFor(dfdaemon));

        foreach (byte[] raw in dfdaemon.RawRequests("UploadPersistentTask").Concat(dfdaemon.RawRequests("DownloadPersistentTask")))
        {
            // region (field 1) and endpoint (field 2), each of length 0, and nothing else.
            Assert.Equal([1, 2], Numbers(Storage, "region", "endpoint"));
            Assert.Equal([0x0A, 0x00, 0x12, 0x00], Single(Parse(raw), Number(Upload, "object_storage"), Len).Bytes);
        }
    }

    [Fact]
    public void The_task_id_is_sha256_of_url_region_endpoint_and_persistent()
    {
        List<IReadOnlyDictionary<string, string>> vectors = GoldenVectors.Table("dfdaemon/task-ids.tsv");
        string url = $"s3://bucket/snapshots/xxh3/{StateHex}";
        DfdaemonStandIn dfdaemon = StartStandIn();

        SnapshotAndRestore(dfdaemon, OptionsFor(dfdaemon));

        foreach (IReadOnlyDictionary<string, string> vector in vectors)
        {
            Assert.Equal(vector["task_id"], DfdaemonStandIn.TaskIdOf(vector["url"], vector["region"], vector["endpoint"]));
        }

        // The stand-in names its task files by the same id (and hardlinked that file into the store).
        string taskId = vectors.Single(v => v["url"] == url && v["region"].Length == 0 && v["endpoint"].Length == 0)["task_id"];
        Assert.True(Inode.Of(Path.Join(dfdaemon.StorageDir, taskId)).IsSameAs(Inode.Of(Path.Join(ContentDir, StateHex))));
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

    private static int Number(string message, string field) =>
        int.Parse(GoldenVectors.Table(FieldTable).Single(row => row["message"] == message && row["name"] == field)["number"], System.Globalization.CultureInfo.InvariantCulture);

    private static int[] Numbers(string message, params string[] fields) => fields.Select(field => Number(message, field)).ToArray();

    /// <summary>The type as fields.tsv writes it: the full name of a message or enum, else the scalar's proto name.</summary>
    private static string TypeOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };

    /// <summary>proto3 `optional` is a synthetic oneof of one field; a real oneof is named.</summary>
    private static string PresenceOf(FieldDescriptor field) =>
        field.RealContainingOneof is { } oneof ? "oneof:" + oneof.Name : field.ContainingOneof is not null ? "optional" : "-";

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
