using System.Globalization;

namespace Snapshotter.Dragonfly;

/// <summary>
/// Content through Dragonfly: the dfdaemon to call and the object storage behind its persistent tasks
/// (snapshotter_content_options in the C ABI). Objects are named &lt;Provider&gt;://&lt;Bucket&gt;/xxh3/&lt;hex&gt;, as by
/// Dragonfly's Go snapshotter. <see cref="ToString"/> never shows the access key secret.
/// </summary>
public sealed record DragonflyOptions
{
    public const string DefaultTarget = "unix:///var/run/dragonfly/dfdaemon.sock";

    /// <summary>Replicas of each object the P2P network keeps, as the Go snapshotter asks for.</summary>
    public const int DefaultReplicaCount = 2;

    /// <summary>The object storage providers dfdaemon accepts.</summary>
    public static readonly IReadOnlyList<string> Providers = ["s3", "gs", "abs", "oss", "obs", "cos"];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The TTL range dfdaemon accepts for a persistent task.</summary>
    public static readonly TimeSpan MinimumTtl = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan MaximumTtl = TimeSpan.FromSeconds(604_800);

    /// <summary>dfdaemon's gRPC address: unix:///path or http://host:port.</summary>
    public string Target { get; init; } = DefaultTarget;

    /// <summary>s3, gs, abs, oss, obs or cos.</summary>
    public required string Provider { get; init; }

    /// <summary>The bucket, optionally followed by a key prefix: "bucket" or "bucket/some/prefix".</summary>
    public required string Bucket { get; init; }

    /// <summary>Always sent, empty when not set: dfdaemon refuses requests without it.</summary>
    public string Region { get; init; } = "";

    /// <summary>The object storage endpoint URL; always sent, empty when not set.</summary>
    public string Endpoint { get; init; } = "";

    public string? AccessKeyId { get; init; }

    public string? AccessKeySecret { get; init; }

    /// <summary>Lets dfdaemon skip TLS verification towards the object storage endpoint.</summary>
    public bool InsecureSkipVerify { get; init; }

    public int ReplicaCount { get; init; } = DefaultReplicaCount;

    /// <summary>How long the P2P network keeps an uploaded object; null leaves it to dfdaemon (1 day).</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The longest one object's upload or download through dfdaemon may take.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>
    /// Where dfdaemon sees the store's root directory, when it runs elsewhere (a DaemonSet with RootDir mounted at
    /// another path): every path sent to it is rewritten as StorageDir + (path below RootDir). Null: the same path.
    /// </summary>
    public string? StorageDir { get; init; }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"dfdaemon {Target}, {Provider}://{Bucket}, region '{Region}', endpoint '{Endpoint}', access key id '{AccessKeyId}', access key secret {(AccessKeySecret is null ? "unset" : "set")}, insecure_skip_verify {InsecureSkipVerify}, {ReplicaCount} replicas, ttl {(Ttl is { } ttl ? $"{ttl.TotalSeconds} s" : "dfdaemon's default")}, timeout {Timeout.TotalSeconds} s, storage dir '{StorageDir}'");
}
