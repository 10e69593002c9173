namespace Snapshotter.Registry;

/// <summary>
/// Where snapshot metadata is published (snapshotter_registry_options in the C ABI): an OCI registry over
/// HTTP(S), or an OCI image layout directory. A class rather than a record so that the password never shows
/// up in a printed representation.
/// </summary>
public sealed class RegistryOptions
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultRetryTimeLimit = TimeSpan.FromMinutes(2);
    public const int DefaultMaxAttempts = 5;

    /// <summary>"http://host[:port]" (plain HTTP), "https://host[:port]" (TLS), or "oci:/absolute/dir".</summary>
    public required string Url { get; init; }

    /// <summary>Prefix of every repository: name:version is published as &lt;namespace&gt;/&lt;name&gt;:&lt;version&gt;.</summary>
    public string? Namespace { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>TLS without certificate verification.</summary>
    public bool Insecure { get; init; }

    /// <summary>PEM bundle of the certificate authorities to trust instead of the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>How long one request may take, connecting included, before it counts as a failed attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>Attempts per request (1: no retry) on connection errors, timeouts, 429 and 5xx.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Bound on the time one request may take across all of its attempts and the waits between them.</summary>
    public TimeSpan RetryTimeLimit { get; init; } = DefaultRetryTimeLimit;

    /// <summary>The first wait between attempts; later waits double, with jitter. Tests shorten it.</summary>
    internal TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Blobs larger than this are uploaded in PATCH chunks of this size. Tests shorten it.</summary>
    internal int ChunkBytes { get; init; } = 8 << 20;

    public override string ToString() =>
        $"{Url} (namespace '{Namespace}', credentials {(Username is null && Password is null ? "none" : "set")}, insecure {Insecure}, ca_file '{CaFile}')";
}
