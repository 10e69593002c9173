using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Snapshotter.Dragonfly.Protos;
using Snapshotter.Dragonfly;
using Snapshotter.Errors;
using Snapshotter.Grpc;
using Snapshotter.Hashing;
using Snapshotter.IO;
using Snapshotter.Validation;

namespace Snapshotter.Providers;

/// <summary>
/// Content through Dragonfly's P2P network, as Dragonfly's Go snapshotter moves it: each object is a persistent
/// task of dfdaemon over the object &lt;provider&gt;://&lt;bucket&gt;/xxh3/&lt;hex&gt;. Uploads call UploadPersistentTask
/// with the store's content file; downloads call DownloadPersistentTask with force_hard_link, so dfdaemon
/// hardlinks its task file into the caller's staging directory when the download starts (zero copy). The staged
/// file is only trusted once the stream has ended with OK, and the caller then verifies all of it.
/// </summary>
internal sealed class DragonflyContentProvider : IContentProvider, IDisposable
{
    private const string Redacted = "<access key secret>";

    private readonly DragonflyOptions _options;
    private readonly string _rootDir;
    private readonly string _objectPrefix;
    private readonly ObjectStorage _objectStorage;
    private readonly DfdaemonClient _dfdaemon;

    /// <param name="options">What to call and where the objects live; checked here, naming the C ABI's fields.</param>
    /// <param name="rootDir">The store's resolved root directory, the prefix that <see cref="DragonflyOptions.StorageDir"/> replaces.</param>
    public DragonflyContentProvider(DragonflyOptions options, string rootDir)
    {
        string bucket = Validate(options);
        _options = options;
        _rootDir = rootDir;
        _objectPrefix = $"{options.Provider}://{bucket}/{Digest.Algorithm}/";
        Location = $"{options.Provider}://{bucket}" + (options.Endpoint.Length > 0 ? $" at {options.Endpoint}" : "");
        _objectStorage = new ObjectStorage
        {
            // Present even when empty: dfdaemon refuses a request whose object storage lacks either.
            Region = options.Region,
            Endpoint = options.Endpoint,
        };
        if (options.AccessKeyId is { } id)
        {
            _objectStorage.AccessKeyId = id;
        }

        if (options.AccessKeySecret is { } secret)
        {
            _objectStorage.AccessKeySecret = secret;
        }

        if (options.InsecureSkipVerify)
        {
            _objectStorage.InsecureSkipVerify = true;
        }

        _dfdaemon = DfdaemonClient.Create(options.Target, "content.dfdaemon");
    }

    /// <summary>The object storage, for messages and for remembering what was published (never the secret).</summary>
    public string Location { get; }

    /// <summary>The object storage URL of a digest's object.</summary>
    public string UrlOf(Digest digest) => _objectPrefix + digest.Hex;

    public void Upload(Digest digest, string contentPath, CancellationToken cancellation)
    {
        string url = UrlOf(digest);
        var request = new UploadPersistentTaskRequest
        {
            Url = url,
            ObjectStorage = _objectStorage,
            Path = DfdaemonPath(contentPath),
            PersistentReplicaCount = (ulong)_options.ReplicaCount,
            Timeout = Duration.FromTimeSpan(_options.Timeout),
        };
        if (_options.Ttl is { } ttl)
        {
            request.Ttl = Duration.FromTimeSpan(ttl);
        }

        try
        {
            _dfdaemon.UploadPersistentTaskAsync(request, _options.Timeout, cancellation).GetAwaiter().GetResult();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            // The object is in object storage already, which is all an upload is for.
        }
        catch (RpcException e)
        {
            throw Failed(e, $"upload of content {digest} to {url}", request.Path);
        }
    }

    public void Download(Digest digest, string stagingPath, Action<long>? onBytes, CancellationToken cancellation)
    {
        string url = UrlOf(digest);
        string outputPath = DfdaemonPath(stagingPath);
        var request = new DownloadPersistentTaskRequest
        {
            Url = url,
            ObjectStorage = _objectStorage,
            OutputPath = outputPath,
            Timeout = Duration.FromTimeSpan(_options.Timeout),
            ForceHardLink = true,
        };

        ulong? announced = null;
        try
        {
            _dfdaemon.DownloadPersistentTaskAsync(request, _options.Timeout, response =>
            {
                switch (response.ResponseCase)
                {
                    case DownloadPersistentTaskResponse.ResponseOneofCase.DownloadPersistentTaskStartedResponse:
                        announced = response.DownloadPersistentTaskStartedResponse.ContentLength;
                        break;
                    case DownloadPersistentTaskResponse.ResponseOneofCase.DownloadPieceFinishedResponse:
                        onBytes?.Invoke((long)Math.Min(response.DownloadPieceFinishedResponse.Piece?.Length ?? 0, long.MaxValue));
                        break;
                }
            }, cancellation).GetAwaiter().GetResult();
        }
        catch (RpcException e)
        {
            throw Failed(e, $"download of content {digest} from {url}", outputPath);
        }

        FileStatus staged = UnixPath.TryStat(stagingPath, followSymlinks: false) is { IsRegularFile: true } status
            ? status
            : throw new SnapshotterException(ErrorCode.Unavailable, $"dfdaemon at {_options.Target} reported the download of content {digest} from {url} complete, but '{outputPath}' is not there");
        if (announced is { } length && (ulong)staged.Size != length)
        {
            throw SnapshotterException.Corrupt($"content {digest} from {Location} is corrupt: dfdaemon announced {length} bytes but delivered {staged.Size}");
        }
    }

    public void Dispose() => _dfdaemon.Dispose();

    /// <summary>A failed call as the caller's error: what it was for, dfdaemon's status and message (the secret
    /// removed should dfdaemon ever echo it), and what to check when dfdaemon could not use the path it was sent.</summary>
    private SnapshotterException Failed(RpcException e, string what, string path)
    {
        string detail = _options.AccessKeySecret is { Length: > 0 } secret ? e.Status.Detail.Replace(secret, Redacted, StringComparison.Ordinal) : e.Status.Detail;

        return new SnapshotterException(DfdaemonClient.ErrorCodeOf(e.StatusCode), $"{what} through dfdaemon at {_options.Target} failed: {DfdaemonClient.NameOf(e.StatusCode)}: {detail}{PathHint(detail, path)}");
    }

    /// <summary>dfdaemon reports what went wrong with a path as an OS error: say what it usually means here.</summary>
    private string PathHint(string detail, string path)
    {
        if (detail.Contains("os error 18)", StringComparison.Ordinal) || detail.Contains("cross-device", StringComparison.OrdinalIgnoreCase))
        {
            return $" (dfdaemon hardlinks its task file to '{path}': root_dir must be on the filesystem of dfdaemon's storage)";
        }

        if (detail.Contains("os error 2)", StringComparison.Ordinal))
        {
            return _options.StorageDir is null
                ? $" (dfdaemon cannot reach '{path}': if it sees root_dir at another path, set storage_dir to that path)"
                : $" (dfdaemon cannot reach '{path}': check that storage_dir '{_options.StorageDir}' is where dfdaemon sees root_dir '{_rootDir}')";
        }

        return "";
    }

    /// <summary>A path under the root directory as dfdaemon sees it: StorageDir + the part below RootDir.</summary>
    private string DfdaemonPath(string path)
    {
        if (_options.StorageDir is not { } storageDir)
        {
            return path;
        }

        if (!RelativePath.IsInside(path, _rootDir))
        {
            throw new SnapshotterException(ErrorCode.Internal, $"'{path}' is outside root_dir '{_rootDir}' and cannot be mapped to storage_dir");
        }

        return storageDir.TrimEnd('/') + path[_rootDir.Length..];
    }

    /// <summary>Checks the options, naming the C ABI's fields; returns the bucket (and prefix) in the form object URLs use.</summary>
    public static string Validate(DragonflyOptions options)
    {
        DfdaemonClient.CheckTarget(options.Target, "content.dfdaemon");
        if (!DragonflyOptions.Providers.Contains(options.Provider))
        {
            throw SnapshotterException.InvalidArgument(
                string.IsNullOrEmpty(options.Provider)
                    ? $"content.provider is required with dfdaemon: one of {string.Join(", ", DragonflyOptions.Providers)}"
                    : $"content.provider '{options.Provider}' is not one of {string.Join(", ", DragonflyOptions.Providers)}");
        }

        string bucket = (options.Bucket ?? "").TrimEnd('/');
        string[] parts = bucket.Split('/');
        if (bucket.Length == 0)
        {
            throw SnapshotterException.InvalidArgument("content.bucket is required with dfdaemon: a bucket name, optionally followed by /key/prefix");
        }

        if (parts.Any(p => p.Length == 0 || p is "." or "..") || bucket.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '?' or '#' or '\\'))
        {
            throw SnapshotterException.InvalidArgument($"content.bucket '{options.Bucket}' is not a bucket name optionally followed by /key/prefix (no empty, '.' or '..' parts, no spaces, '?', '#' or '\\')");
        }

        if (options.Endpoint.Length > 0)
        {
            if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                // Echoed only when it cannot hold credentials (user info needs an '@').
                string shown = options.Endpoint.Contains('@', StringComparison.Ordinal) ? "" : $" '{options.Endpoint}'";
                throw SnapshotterException.InvalidArgument($"content.endpoint{shown} is not an http:// or https:// URL");
            }

            if (endpoint.UserInfo.Length > 0)
            {
                // Not echoed: the user info is a credential.
                throw SnapshotterException.InvalidArgument("content.endpoint carries credentials in its URL: give them as access_key_id and access_key_secret");
            }
        }

        if (options.AccessKeySecret is not null && options.AccessKeyId is null)
        {
            throw SnapshotterException.InvalidArgument("content.access_key_secret is set without content.access_key_id");
        }

        if (options.ReplicaCount < 1)
        {
            throw SnapshotterException.InvalidArgument($"content.replica_count {options.ReplicaCount} is not positive");
        }

        if (options.Ttl is { } ttl && (ttl < DragonflyOptions.MinimumTtl || ttl > DragonflyOptions.MaximumTtl))
        {
            throw SnapshotterException.InvalidArgument($"content.ttl_seconds {ttl.TotalSeconds} is outside {DragonflyOptions.MinimumTtl.TotalSeconds}..{DragonflyOptions.MaximumTtl.TotalSeconds}, the range dfdaemon accepts");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw SnapshotterException.InvalidArgument("content.timeout_seconds must be positive");
        }

        if (options.StorageDir is { } storageDir && !storageDir.StartsWith('/'))
        {
            throw SnapshotterException.InvalidArgument($"content.storage_dir '{storageDir}' must be an absolute path");
        }

        return bucket;
    }
}
