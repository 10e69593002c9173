using System.Text.Json.Nodes;
using Snapshotter.Engine;
using Snapshotter.Progress;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Dragonfly;

/// <summary>
/// Content through dfdaemon end to end: what snapshots upload (and do not upload again), how restores download
/// into a staging directory by hardlink, verify, and take dfdaemon's file into the store without a copy, with
/// progress as pieces arrive and paths rewritten for a dfdaemon that sees the root elsewhere.
/// </summary>
public sealed class DragonflyContentTests : DragonflyTestBase
{
    private readonly byte[] _model = TestFiles.Pattern(1 << 20, 11);
    private readonly byte[] _state = "test content"u8.ToArray();

    [Fact]
    public void A_snapshot_uploads_each_distinct_content_once_as_the_object_of_its_digest()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(dfdaemon);
        Source("model.bin", _model);
        Source("copy.bin", _model);
        Source("state", _state);

        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", true), new FileSpec("copy.bin", false), new FileSpec("state", false)));

        List<JsonObject> uploads = dfdaemon.Requests("UploadPersistentTask");
        string model = Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin"));
        Assert.Equal(2, uploads.Count);
        Assert.Equal([UrlOf(model), "s3://bucket/snapshots/xxh3/5e0ba398f628c5e4"], uploads.Select(u => (string)u["url"]!).Order());
        foreach (JsonObject upload in uploads)
        {
            string hex = ((string)upload["url"]!).Split('/')[^1];
            Assert.Equal(Path.Join(ContentDir, hex), (string)upload["path"]!);
            Assert.Equal(File.ReadAllBytes(Path.Join(ContentDir, hex)), File.ReadAllBytes(ObjectPath("xxh3:" + hex)));
            Assert.Equal("2", (string)upload["persistent_replica_count"]!);
            Assert.Null(upload["ttl"]);
        }
    }

    [Fact]
    public void Content_recorded_as_uploaded_is_not_uploaded_again_and_an_existing_object_is_success()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(dfdaemon);
        Source("state", _state);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));

        engine.Snapshot(SnapshotOf("vm", "v2", BaseDir, new FileSpec("state", false)));
        Assert.Single(dfdaemon.Requests("UploadPersistentTask"));

        // Another store (nothing recorded) uploads, and dfdaemon answers ALREADY_EXISTS: that is success.
        using SnapshotEngine other = OpenEngine(new EngineOptions { RootDir = Temp.Combine("other-root"), Dragonfly = OptionsFor(dfdaemon) });
        other.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));
        Assert.Equal(2, dfdaemon.Requests("UploadPersistentTask").Count);
    }

    [Fact]
    public void A_restore_downloads_missing_content_by_hardlink_into_staging_and_keeps_dfdaemons_inode()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        string digest;
        using (SnapshotEngine engine = OpenDragonfly(dfdaemon))
        {
            Source("model.bin", _model);
            Source("state", _state, mode: 0x180);
            engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", true), new FileSpec("state", false)));
            digest = Spf1Reference.DigestOf(Path.Join(BaseDir, "model.bin"));
        }

        ForgetLocalContent();
        DfdaemonStandIn other = StartStandIn("node-b");
        using (SnapshotEngine engine = OpenDragonfly(other))
        {
            engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine("out") });
        }

        Assert.Equal(_model, File.ReadAllBytes(Temp.Combine("out", "model.bin")));
        Assert.Equal(_state, File.ReadAllBytes(Temp.Combine("out", "state")));
        List<JsonObject> downloads = other.Requests("DownloadPersistentTask");
        Assert.Equal(2, downloads.Count);
        foreach (JsonObject download in downloads)
        {
            string hex = ((string)download["url"]!).Split('/')[^1];
            string output = (string)download["output_path"]!;
            Assert.Equal(ContentDir, Path.GetDirectoryName(Path.GetDirectoryName(output)));
            Assert.StartsWith(".download-", Path.GetFileName(Path.GetDirectoryName(output)), StringComparison.Ordinal);
            Assert.Equal(hex, Path.GetFileName(output));
            Assert.True((bool)download["force_hard_link"]!);
            Assert.Equal("", (string)download["object_storage"]!["region"]!);
            Assert.Equal("", (string)download["object_storage"]!["endpoint"]!);
        }

        // Zero copy: the store holds dfdaemon's own task file, whose mode is dfdaemon's business.
        Inode stored = Inode.Of(ContentPath(digest));
        Assert.True(stored.IsSameAs(Inode.Of(other.TaskFile(UrlOf(digest)))));
        Assert.Empty(ContentLeftovers());
    }

    [Fact]
    public void Restore_progress_reports_bytes_as_pieces_arrive()
    {
        DfdaemonStandIn dfdaemon = StartStandIn(pieceBytes: 64 << 10);
        using (SnapshotEngine engine = OpenDragonfly(dfdaemon))
        {
            Source("model.bin", _model);
            engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("model.bin", false)));
        }

        ForgetLocalContent();
        var reports = new List<ProgressReport>();
        using (SnapshotEngine engine = OpenDragonfly(dfdaemon, new SteppingTimeProvider()))
        {
            engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine("out"), Progress = reports.Add });
        }

        // Counted in logical bytes: the download first (1 MiB), then the restore itself (1 MiB).
        Assert.All(reports, r => Assert.Equal(2L << 20, r.BytesTotal));
        List<long> downloading = [.. reports.Where(r => r.BytesDone > 0 && r.BytesDone < 1 << 20).Select(r => r.BytesDone)];
        Assert.True(downloading.Count >= 8, $"{downloading.Count} reports while the 16 pieces arrived");
        Assert.Equal(downloading.Order(), downloading);
        Assert.Equal(new ProgressReport(1, 1, 2L << 20, 2L << 20), reports[^1]);
    }

    [Fact]
    public void Restoring_only_into_the_store_fetches_too()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(dfdaemon);
        Source("state", _state);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));
        ForgetLocalContent();

        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = null });

        Assert.Equal(File.ReadAllBytes(ObjectPath("xxh3:5e0ba398f628c5e4")), File.ReadAllBytes(Path.Join(ContentDir, "5e0ba398f628c5e4")));
    }

    [Fact]
    public void Targets_already_identical_need_no_download()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(dfdaemon);
        Source("state", _state);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));
        string output = Temp.Combine("out");
        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = output });
        ForgetLocalContent();

        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = output });

        Assert.Empty(dfdaemon.Requests("DownloadPersistentTask"));
    }

    [Fact]
    public void Paths_sent_to_dfdaemon_are_rewritten_under_storage_dir()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        Directory.CreateDirectory(RootDir);
        // dfdaemon "mounts" the root at another path (a symlink stands in for the mount).
        string alias = Temp.Combine("dfdaemon-view");
        File.CreateSymbolicLink(alias, RootDir);
        using SnapshotEngine engine = OpenDragonfly(OptionsFor(dfdaemon) with { StorageDir = alias });
        Source("state", _state);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));
        ForgetLocalContent();

        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1", OutputDir = Temp.Combine("out") });

        Assert.Equal(Path.Join(alias, "storage", "content", "xxh3", "5e0ba398f628c5e4"), (string)dfdaemon.Requests("UploadPersistentTask").Single()["path"]!);
        string output = (string)dfdaemon.Requests("DownloadPersistentTask").Single()["output_path"]!;
        Assert.StartsWith(Path.Join(alias, "storage", "content", "xxh3", ".download-"), output, StringComparison.Ordinal);
        Assert.Equal(_state, File.ReadAllBytes(Temp.Combine("out", "state")));
    }

    [Fact]
    public void Options_reach_dfdaemon_as_given()
    {
        DfdaemonStandIn dfdaemon = StartStandIn();
        using SnapshotEngine engine = OpenDragonfly(EverythingSet(dfdaemon));
        Source("state", _state);
        engine.Snapshot(SnapshotOf("vm", "v1", BaseDir, new FileSpec("state", false)));
        ForgetLocalContent();
        engine.Restore(new RestoreRequest { Name = "vm", Version = "v1" });

        JsonObject upload = dfdaemon.Requests("UploadPersistentTask").Single();
        JsonObject download = dfdaemon.Requests("DownloadPersistentTask").Single();
        foreach (JsonObject request in new[] { upload, download })
        {
            JsonObject storage = request["object_storage"]!.AsObject();
            Assert.Equal("eu-west-1", (string)storage["region"]!);
            Assert.Equal("https://objects.example:9000", (string)storage["endpoint"]!);
            Assert.Equal("AKIDEXAMPLE", (string)storage["access_key_id"]!);
            Assert.Equal("wJalrXUtnFEMI/K7MDENG", (string)storage["access_key_secret"]!);
            Assert.True((bool)storage["insecure_skip_verify"]!);
            Assert.Equal("300", (string)request["timeout"]!["seconds"]!);
        }

        Assert.Equal("3", (string)upload["persistent_replica_count"]!);
        Assert.Equal("21600", (string)upload["ttl"]!["seconds"]!);
        // The task file dfdaemon keeps is named by the id over url, region and endpoint.
        Assert.True(File.Exists(dfdaemon.TaskFile("s3://bucket/snapshots/xxh3/5e0ba398f628c5e4", "eu-west-1", "https://objects.example:9000")));
    }
}
