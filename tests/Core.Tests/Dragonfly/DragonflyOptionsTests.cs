using Snapshotter.Dragonfly;
using Snapshotter.Engine;
using Snapshotter.Errors;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>Dragonfly options are checked at open, before anything is created, naming the field; the secret never shows.</summary>
public sealed class DragonflyOptionsTests : DragonflyTestBase
{
    private const string Secret = "s3cr3t/Value+With=Symbols";

    private static readonly DragonflyOptions Valid = new() { Target = "unix:///run/dfdaemon.sock", Provider = "s3", Bucket = "bucket" };

    public static TheoryData<DragonflyOptions, string> Invalid => new()
    {
        { Valid with { Provider = "" }, "content.provider is required" },
        { Valid with { Provider = "ftp" }, "content.provider 'ftp' is not one of s3, gs, abs, oss, obs, cos" },
        { Valid with { Provider = "S3" }, "content.provider 'S3'" },
        { Valid with { Bucket = "" }, "content.bucket is required" },
        { Valid with { Bucket = "/" }, "content.bucket is required" },
        { Valid with { Bucket = "/bucket" }, "content.bucket '/bucket'" },
        { Valid with { Bucket = "bucket//prefix" }, "content.bucket 'bucket//prefix'" },
        { Valid with { Bucket = "bucket/../other" }, "content.bucket 'bucket/../other'" },
        { Valid with { Bucket = "bucket/a b" }, "content.bucket 'bucket/a b'" },
        { Valid with { Bucket = "bucket?x" }, "content.bucket 'bucket?x'" },
        { Valid with { Endpoint = "ftp://objects" }, "content.endpoint 'ftp://objects' is not an http:// or https:// URL" },
        { Valid with { Endpoint = "objects:9000" }, "content.endpoint 'objects:9000'" },
        { Valid with { AccessKeySecret = Secret }, "content.access_key_secret is set without content.access_key_id" },
        { Valid with { ReplicaCount = 0 }, "content.replica_count 0 is not positive" },
        { Valid with { Ttl = TimeSpan.FromSeconds(59) }, "content.ttl_seconds 59 is outside 60..604800" },
        { Valid with { Ttl = TimeSpan.FromSeconds(604_801) }, "content.ttl_seconds 604801 is outside 60..604800" },
        { Valid with { Timeout = TimeSpan.Zero }, "content.timeout_seconds must be positive" },
        { Valid with { StorageDir = "relative/dir" }, "content.storage_dir 'relative/dir' must be an absolute path" },
        { Valid with { Target = "tcp://127.0.0.1:65000" }, "content.dfdaemon 'tcp://127.0.0.1:65000' is not a gRPC target" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_options_are_refused_before_anything_is_created(DragonflyOptions options, string message)
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () => SnapshotEngine.Open(new EngineOptions { RootDir = RootDir, Dragonfly = options }));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(RootDir));
    }

    [Fact]
    public void A_directory_and_dragonfly_exclude_each_other()
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () =>
            SnapshotEngine.Open(new EngineOptions { RootDir = RootDir, ContentDirectory = Temp.Combine("shared"), Dragonfly = Valid }));

        Assert.Contains("content.dir and the Dragonfly settings", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(RootDir));
    }

    [Fact]
    public void Credentials_in_the_endpoint_url_are_refused_without_being_echoed()
    {
        SnapshotterException e = Expect.Error(ErrorCode.InvalidArgument, () =>
            SnapshotEngine.Open(new EngineOptions { RootDir = RootDir, Dragonfly = Valid with { Endpoint = $"https://user:{Uri.EscapeDataString(Secret)}@objects:9000" } }));

        Assert.Contains("content.endpoint carries credentials", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(Secret), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_access_key_secret_is_never_printed()
    {
        DragonflyOptions options = Valid with { AccessKeyId = "AKID", AccessKeySecret = Secret };
        var engineOptions = new EngineOptions { RootDir = RootDir, Dragonfly = options };

        Assert.DoesNotContain(Secret, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, engineOptions.ToString(), StringComparison.Ordinal);
        Assert.Contains("access key id 'AKID', access key secret set", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_trailing_slash_on_the_bucket_does_not_change_object_urls()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(OptionsFor(dfdaemon) with { Bucket = Bucket + "/" });
        Source("state", "test content"u8.ToArray());

        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));

        Assert.Equal("s3://bucket/snapshots/xxh3/5e0ba398f628c5e4", (string)dfdaemon.Requests("UploadPersistentTask").Single()["url"]!);
    }

    [Fact]
    public void An_unreachable_dfdaemon_fails_the_first_call_not_the_open()
    {
        string target = "unix://" + Temp.Combine("nobody.sock");
        using SnapshotEngine engine = OpenDragonfly(Valid with { Target = target });
        Source("state", "test content"u8.ToArray());

        SnapshotterException e = Expect.Error(ErrorCode.Unavailable, () => engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false))));

        Assert.Contains($"cannot reach {target}", e.Message, StringComparison.Ordinal);
        Assert.Contains("xxh3:5e0ba398f628c5e4", e.Message, StringComparison.Ordinal);
        Expect.Error(ErrorCode.NotFound, () => engine.Restore(new RestoreRequest { Name = "vm", Version = "v1" }));
    }
}
