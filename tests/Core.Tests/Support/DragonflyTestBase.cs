using Snapshotter.Dragonfly;
using Snapshotter.Engine;

namespace Snapshotter.Tests.Support;

/// <summary>
/// Engines whose content goes through dfdaemon stand-ins sharing one "object storage" directory, as the
/// dfdaemons of several nodes share a bucket. Stand-ins are stopped after the engines, whatever the outcome.
/// </summary>
public abstract class DragonflyTestBase : EngineTestBase
{
    /// <summary>A bucket with a key prefix, as most deployments use one.</summary>
    protected const string Bucket = "bucket/snapshots";

    private readonly List<DfdaemonStandIn> _standIns = [];

    protected DragonflyTestBase()
    {
        ObjectsDir = Temp.CreateDirectory("objects");
    }

    protected string ObjectsDir { get; }

    protected DfdaemonStandIn StartStandIn(string name = "dfdaemon", string? storageDir = null, int pieceBytes = 64 << 10)
    {
        var standIn = new DfdaemonStandIn(Temp.Path, ObjectsDir, storageDir, pieceBytes, name: name);
        _standIns.Add(standIn);
        return standIn;
    }

    protected static DragonflyOptions OptionsFor(DfdaemonStandIn standIn) =>
        new() { Target = standIn.Target, Provider = "s3", Bucket = Bucket };

    /// <summary>Every optional setting given, each with a value of its own, so a test can find each on the wire.</summary>
    protected static DragonflyOptions EverythingSet(DfdaemonStandIn standIn) => OptionsFor(standIn) with
    {
        Region = "eu-west-1",
        Endpoint = "https://objects.example:9000",
        AccessKeyId = "AKIDEXAMPLE",
        AccessKeySecret = "wJalrXUtnFEMI/K7MDENG",
        InsecureSkipVerify = true,
        ReplicaCount = 3,
        Ttl = TimeSpan.FromHours(6),
        Timeout = TimeSpan.FromMinutes(5),
    };

    protected SnapshotEngine OpenDragonfly(DfdaemonStandIn standIn, TimeProvider? time = null) => OpenDragonfly(OptionsFor(standIn), time);

    protected SnapshotEngine OpenDragonfly(DragonflyOptions options, TimeProvider? time = null) =>
        OpenEngine(new EngineOptions { RootDir = RootDir, Dragonfly = options, Time = time ?? TimeProvider.System });

    /// <summary>The object of a digest ("xxh3:&lt;hex&gt;") in object storage.</summary>
    protected string ObjectPath(string digest) => Path.Join(ObjectsDir, Bucket, "xxh3", Hex(digest));

    protected static string UrlOf(string digest) => $"s3://{Bucket}/xxh3/{Hex(digest)}";

    protected static string Hex(string digest) => digest["xxh3:".Length..];

    /// <summary>What a node that never had the content holds of it: nothing, stored or linked.</summary>
    protected void ForgetLocalContent()
    {
        foreach (string file in Directory.GetFiles(ContentDir).Concat(Directory.GetFiles(SnapshotDir)))
        {
            File.Delete(file);
        }
    }

    /// <summary>Dot-files left in the content dir: temporary files and staging directories.</summary>
    protected List<string> ContentLeftovers() => [.. Directory.EnumerateFileSystemEntries(ContentDir, ".*").Select(p => Path.GetFileName(p))];

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            if (disposing)
            {
                foreach (DfdaemonStandIn standIn in _standIns)
                {
                    standIn.Dispose();
                }
            }
        }
    }
}
