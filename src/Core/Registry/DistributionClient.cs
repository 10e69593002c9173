using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text.Json;
using Snapshotter.Errors;
using Snapshotter.Oci;

namespace Snapshotter.Registry;

/// <summary>
/// The OCI distribution API of one registry, on HttpClient: the only code that speaks HTTP to registries.
/// Every request runs under the retry policy (connection errors, timeouts, 408, 429, 5xx; Retry-After
/// honoured) and answers 401 challenges through the <see cref="RegistryAuthenticator"/>. What it pulls is
/// verified against its digest before it is returned. Safe for concurrent use.
/// </summary>
internal sealed class DistributionClient : IDisposable
{
    private const string OctetStream = "application/octet-stream";
    private const int ErrorBodyBytes = 64 << 10;
    private const int MaxTagPages = 10_000;

    private readonly HttpClient _http;
    private readonly Uri _registry;
    private readonly RegistryAuthenticator _auth;
    private readonly RetryPolicy _retry;
    private readonly TimeSpan _requestTimeout;
    private readonly int _chunkBytes;
    private readonly TimeProvider _time;

    /// <summary>A repository known to hold each blob this client pushed or pulled, for cross-repository mounts.</summary>
    private readonly ConcurrentDictionary<string, string> _blobRepositories = new(StringComparer.Ordinal);

    /// <param name="registry">"http(s)://host[:port]/", already validated.</param>
    public DistributionClient(Uri registry, RegistryOptions options, TimeProvider time)
    {
        _registry = registry;
        _time = time;
        _requestTimeout = options.RequestTimeout;
        _chunkBytes = options.ChunkBytes;
        _retry = new RetryPolicy(options.MaxAttempts, options.RetryTimeLimit, options.RetryBaseDelay);
        _auth = new RegistryAuthenticator(registry, options.Username, options.Password, time);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            SslOptions = RegistryTls.ClientOptions(options.Insecure, options.CaFile),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>"http://host:port": the registry, for messages.</summary>
    public string Location => _registry.GetLeftPart(UriPartial.Authority);

    public void Dispose() => _http.Dispose();

    /// <summary>The manifest tagged or digested <paramref name="reference"/>, always asked for with the OCI media
    /// type; null when the registry does not have it.</summary>
    public async Task<(byte[] Bytes, string Digest)?> GetManifestAsync(string repository, string reference, CancellationToken cancellation)
    {
        string what = $"GET manifest {repository}:{reference} from {Location}";
        RegistryResponse response = await RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Get, Api($"{repository}/manifests/{reference}"), PullScope(repository), what)
            {
                Accept = MediaTypes.ImageManifest,
                MaxBodyBytes = SnapshotManifest.MaxManifestBytes,
            }, cancellation),
            cancellation).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        Ensure(response, what);
        string? mediaType = response.ContentHeaders.ContentType?.MediaType;
        if (mediaType != MediaTypes.ImageManifest)
        {
            throw new SnapshotterException(ErrorCode.Unsupported, $"{what}: the registry answered with '{mediaType}', not an OCI image manifest");
        }

        string digest = OciDigest.Of(response.Body);
        if (response.Header("Docker-Content-Digest") is { } claimed && claimed.StartsWith(OciDigest.Sha256Prefix, StringComparison.Ordinal) && claimed != digest)
        {
            throw SnapshotterException.Corrupt($"{what}: the manifest received has digest {digest}, the registry says {claimed}");
        }

        if (reference.StartsWith(OciDigest.Sha256Prefix, StringComparison.Ordinal) && reference != digest)
        {
            throw SnapshotterException.Corrupt($"{what}: the manifest received has digest {digest}");
        }

        return (response.Body, digest);
    }

    /// <summary>The digest of the manifest <paramref name="reference"/> names, or null when there is none.</summary>
    public async Task<string?> ResolveManifestAsync(string repository, string reference, CancellationToken cancellation)
    {
        string what = $"HEAD manifest {repository}:{reference} on {Location}";
        RegistryResponse response = await RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Head, Api($"{repository}/manifests/{reference}"), PullScope(repository), what) { Accept = MediaTypes.ImageManifest }, cancellation),
            cancellation).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        Ensure(response, what);
        return OciDigest.IsSha256(response.Header("Docker-Content-Digest")) ? response.Header("Docker-Content-Digest")
            : (await GetManifestAsync(repository, reference, cancellation).ConfigureAwait(false))?.Digest;
    }

    /// <summary>
    /// Stores a manifest under a tag (or its digest); its blobs must be there already. A registry that says
    /// MANIFEST_BLOB_UNKNOWN right after the blob was stored is not consistent yet (distribution's filesystem
    /// driver rewrites a repository's blob link in place while another upload of the same blob commits; S3
    /// backends were eventually consistent): that answer is retried like a transient failure.
    /// </summary>
    public async Task PutManifestAsync(string repository, string reference, byte[] manifest, CancellationToken cancellation)
    {
        string what = $"PUT manifest {repository}:{reference} to {Location}";
        RegistryResponse response = await RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Put, Api($"{repository}/manifests/{reference}"), PushScope(repository), what)
            {
                Body = manifest,
                ContentType = MediaTypes.ImageManifest,
                TransientErrorCode = "MANIFEST_BLOB_UNKNOWN",
            }, cancellation),
            cancellation).ConfigureAwait(false);
        Ensure(response, what);
        string digest = OciDigest.Of(manifest);
        if (response.Header("Docker-Content-Digest") is { } stored && OciDigest.IsSha256(stored) && stored != digest)
        {
            throw SnapshotterException.Corrupt($"{what}: the registry stored the manifest as {stored}, expected {digest}");
        }
    }

    /// <summary>Deletes a manifest (and so every tag on it) by digest; registries refuse deleting by tag.</summary>
    public async Task DeleteManifestAsync(string repository, string digest, CancellationToken cancellation)
    {
        string what = $"DELETE manifest {repository}@{digest} on {Location}";
        RegistryResponse response = await RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Delete, Api($"{repository}/manifests/{digest}"), $"repository:{repository}:delete", what), cancellation),
            cancellation).ConfigureAwait(false);
        Ensure(response, what);
    }

    /// <summary>Every tag of a repository, following the registry's pagination (Link: &lt;...&gt;; rel="next").
    /// A repository the registry does not know has no tags.</summary>
    public async Task<List<string>> ListTagsAsync(string repository, int pageSize, CancellationToken cancellation)
    {
        var tags = new List<string>();
        Uri? page = Api($"{repository}/tags/list?n={pageSize.ToString(CultureInfo.InvariantCulture)}");
        for (int pages = 0; page is not null; pages++)
        {
            if (pages == MaxTagPages)
            {
                throw new SnapshotterException(ErrorCode.Unsupported, $"GET tags of {repository} from {Location}: more than {MaxTagPages} pages");
            }

            string what = $"GET tags of {repository} from {Location}";
            Uri current = page;
            RegistryResponse response = await RetryAsync(
                () => ExchangeAsync(new Request(HttpMethod.Get, current, PullScope(repository), what) { Accept = "application/json" }, cancellation),
                cancellation).ConfigureAwait(false);
            if (response.Status == HttpStatusCode.NotFound)
            {
                return tags;
            }

            Ensure(response, what);
            tags.AddRange(ParseTags(response.Body, what));
            page = NextPage(response);
        }

        return tags;
    }

    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellation)
    {
        string what = $"HEAD blob {repository}@{digest} on {Location}";
        RegistryResponse response = await RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Head, Api($"{repository}/blobs/{digest}"), PullScope(repository), what), cancellation),
            cancellation).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return false;
        }

        Ensure(response, what);
        _blobRepositories[digest] = repository;
        return true;
    }

    /// <summary>
    /// Uploads a blob unless the repository has it: mounted from another repository known to hold it when the
    /// registry allows, otherwise POST then PUT (with PATCH chunks first for blobs larger than the chunk size).
    /// A transient failure anywhere restarts the upload from a new session.
    /// </summary>
    public async Task PushBlobAsync(string repository, BlobDescriptor blob, byte[] data, CancellationToken cancellation)
    {
        if (await BlobExistsAsync(repository, blob.Digest, cancellation).ConfigureAwait(false))
        {
            return;
        }

        string what = $"upload blob {blob.Digest} to {repository} on {Location}";
        await RetryAsync(() => UploadOnceAsync(repository, blob, data, what, cancellation), cancellation).ConfigureAwait(false);
        _blobRepositories[blob.Digest] = repository;
    }

    /// <summary>A blob's bytes, checked against its digest and size before they are returned.</summary>
    public async Task<byte[]> GetBlobAsync(string repository, BlobDescriptor blob, CancellationToken cancellation)
    {
        string what = $"GET blob {repository}@{blob.Digest} from {Location}";
        RegistryResponse response = await RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Get, Api($"{repository}/blobs/{blob.Digest}"), PullScope(repository), what) { MaxBodyBytes = blob.Size }, cancellation),
            cancellation).ConfigureAwait(false);
        Ensure(response, what);
        OciDigest.Verify(response.Body, blob, what);
        _blobRepositories[blob.Digest] = repository;
        return response.Body;
    }

    private async Task<bool> UploadOnceAsync(string repository, BlobDescriptor blob, byte[] data, string what, CancellationToken cancellation)
    {
        Uri? session = null;
        if (_blobRepositories.TryGetValue(blob.Digest, out string? home) && home != repository)
        {
            RegistryResponse mount = await ExchangeAsync(
                new Request(HttpMethod.Post, Api($"{repository}/blobs/uploads/?mount={Uri.EscapeDataString(blob.Digest)}&from={Uri.EscapeDataString(home)}"), $"{PushScope(repository)} {PullScope(home)}", $"{what} (mount from {home})"),
                cancellation).ConfigureAwait(false);
            if (mount.Status == HttpStatusCode.Created)
            {
                return true;
            }

            session = mount.Status == HttpStatusCode.Accepted ? mount.Location : null;
        }

        if (session is null)
        {
            RegistryResponse started = await ExchangeAsync(new Request(HttpMethod.Post, Api($"{repository}/blobs/uploads/"), PushScope(repository), what), cancellation).ConfigureAwait(false);
            Ensure(started, what);
            session = started.Location ?? throw new SnapshotterException(ErrorCode.Unsupported, $"{what}: the registry started an upload without a Location");
        }

        int offset = 0;
        if (data.Length > _chunkBytes)
        {
            while (offset < data.Length)
            {
                int length = Math.Min(_chunkBytes, data.Length - offset);
                RegistryResponse chunk = await ExchangeAsync(new Request(HttpMethod.Patch, session, PushScope(repository), what)
                {
                    Body = data.AsMemory(offset, length),
                    ContentType = OctetStream,
                    ContentRange = $"{offset}-{offset + length - 1}",
                }, cancellation).ConfigureAwait(false);
                Ensure(chunk, what);
                session = chunk.Location ?? session;
                offset += length;
            }
        }

        RegistryResponse finished = await ExchangeAsync(new Request(HttpMethod.Put, WithQuery(session, "digest=" + Uri.EscapeDataString(blob.Digest)), PushScope(repository), what)
        {
            Body = data.AsMemory(offset),
            ContentType = OctetStream,
        }, cancellation).ConfigureAwait(false);
        Ensure(finished, what);
        return true;
    }

    private static IEnumerable<string> ParseTags(byte[] body, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("tags", out JsonElement tags) || tags.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            return tags.EnumerateArray().Select(t => t.GetString() ?? throw new JsonException("a tag is null")).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw SnapshotterException.Corrupt($"{what}: the tag list is malformed: {e.Message}");
        }
    }

    private static Uri? NextPage(RegistryResponse response)
    {
        if (response.Header("Link") is not { } link)
        {
            return null;
        }

        int open = link.IndexOf('<'), close = link.IndexOf('>');
        if (open < 0 || close < open || !link[close..].Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return RegistryResponse.Resolve(response.RequestUri, link[(open + 1)..close]);
    }

    private static Uri WithQuery(Uri uri, string parameter) =>
        new UriBuilder(uri) { Query = uri.Query.Length > 1 ? uri.Query[1..] + "&" + parameter : parameter }.Uri;

    private Uri Api(string path) => new(_registry, "/v2/" + path);

    private static string PullScope(string repository) => $"repository:{repository}:pull";

    private static string PushScope(string repository) => $"repository:{repository}:pull,push";

    /// <summary>A final answer that is not a success: the registry's error, with its code.</summary>
    private static void Ensure(RegistryResponse response, string what)
    {
        if (!response.IsSuccess)
        {
            throw RegistryErrors.Exception(response, what);
        }
    }

    /// <summary>Runs <paramref name="operation"/> until it succeeds, fails for good, or the retry policy gives up on
    /// its transient failures; the last of those then becomes UNAVAILABLE or TIMEOUT saying how long it tried.</summary>
    private async Task<T> RetryAsync<T>(Func<Task<T>> operation, CancellationToken cancellation)
    {
        long started = _time.GetTimestamp();
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (TransientFailure failure)
            {
                TimeSpan? delay = _retry.NextDelay(attempt, failure.RetryAfter, _time.GetElapsedTime(started), out string? reason);
                if (delay is not { } wait)
                {
                    throw failure.GiveUp(reason!);
                }

                await Task.Delay(wait, _time, cancellation).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One request and its answer, read completely within the request timeout. A 401 is answered once through
    /// the authenticator and the request sent again. Transient failures are thrown as <see cref="TransientFailure"/>;
    /// every other answer, success or not, is returned.
    /// </summary>
    private async Task<RegistryResponse> ExchangeAsync(Request spec, CancellationToken cancellation)
    {
        bool answeredChallenge = false;
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(_requestTimeout);
            try
            {
                using HttpRequestMessage request = spec.ToMessage();
                if (spec.Scope is not null)
                {
                    _auth.Authorize(request, spec.Scope);
                }

                using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized && spec.Scope is not null)
                {
                    if (answeredChallenge)
                    {
                        throw _auth.Refused(response, await ReadAsync(response, spec, timeout.Token).ConfigureAwait(false), spec.What);
                    }

                    await _auth.RespondAsync(response, spec.Scope, spec.What, FetchTokenAsync, cancellation).ConfigureAwait(false);
                    answeredChallenge = true;
                    continue;
                }

                RegistryResponse answer = await ReadAsync(response, spec, timeout.Token).ConfigureAwait(false);
                if ((int)answer.Status is 408 or 429 or 500 or 502 or 503 or 504
                    || (spec.TransientErrorCode is { } code && !answer.IsSuccess && RegistryErrors.HasCode(answer.Body, code)))
                {
                    throw new TransientFailure(RegistryErrors.CodeFor(answer.Status), RegistryErrors.Describe(answer, spec.What), RetryAfter(response));
                }

                return answer;
            }
            catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
            {
                throw new TransientFailure(ErrorCode.Timeout, $"{spec.What}: no answer within {_requestTimeout.TotalSeconds:0.###} s", inner: e);
            }
            catch (HttpRequestException e) when (e.InnerException is AuthenticationException tls)
            {
                throw new SnapshotterException(ErrorCode.Unauthenticated, $"{spec.What}: TLS: {tls.Message} (trust its certificate authority with ca_file, or set insecure_skip_verify)", e);
            }
            catch (HttpRequestException e)
            {
                throw new TransientFailure(ErrorCode.Unavailable, $"{spec.What}: {e.Message}", inner: e);
            }
            catch (IOException e)
            {
                throw new TransientFailure(ErrorCode.Unavailable, $"{spec.What}: the connection failed: {e.Message}", inner: e);
            }
        }
    }

    /// <summary>A token service request for the authenticator: no registry credentials, the retry policy applies.</summary>
    private Task<RegistryResponse> FetchTokenAsync(Uri uri, AuthenticationHeaderValue? credentials, CancellationToken cancellation) =>
        RetryAsync(
            () => ExchangeAsync(new Request(HttpMethod.Get, uri, Scope: null, $"token service {uri.GetLeftPart(UriPartial.Path)}") { Authorization = credentials }, cancellation),
            cancellation);

    /// <summary>The body, within the request's limit: a success larger than that is refused (CORRUPT), an error
    /// body is cut short (only its first part is ever shown).</summary>
    private static async Task<RegistryResponse> ReadAsync(HttpResponseMessage response, Request spec, CancellationToken cancellation)
    {
        byte[] body = [];
        if (spec.Method != HttpMethod.Head)
        {
            long limit = response.IsSuccessStatusCode ? spec.MaxBodyBytes : ErrorBodyBytes;
            if (response.IsSuccessStatusCode && response.Content.Headers.ContentLength > limit)
            {
                throw SnapshotterException.Corrupt($"{spec.What}: the registry announces {response.Content.Headers.ContentLength} bytes, more than the {limit} expected");
            }

            using var buffer = new MemoryStream();
            using Stream stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            byte[] chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length)), cancellation).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    if (response.IsSuccessStatusCode)
                    {
                        throw SnapshotterException.Corrupt($"{spec.What}: the registry sent more than the {limit} bytes expected");
                    }

                    break;
                }
            }

            body = buffer.ToArray();
        }

        return new RegistryResponse(response.StatusCode, response.ReasonPhrase ?? "", response.RequestMessage?.RequestUri ?? spec.Uri, response.Headers, response.Content.Headers, body);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > _time.GetUtcNow() ? date - _time.GetUtcNow() : TimeSpan.Zero,
            _ => null,
        };

    /// <summary>What to send; rebuilt into a new message for every attempt.</summary>
    private sealed record Request(HttpMethod Method, Uri Uri, string? Scope, string What)
    {
        public ReadOnlyMemory<byte>? Body { get; init; }

        public string? ContentType { get; init; }

        public string? ContentRange { get; init; }

        public string? Accept { get; init; }

        public AuthenticationHeaderValue? Authorization { get; init; }

        /// <summary>An OCI error code that, for this request, means "not yet" rather than "no".</summary>
        public string? TransientErrorCode { get; init; }

        public long MaxBodyBytes { get; init; } = 1 << 20;

        public HttpRequestMessage ToMessage()
        {
            var message = new HttpRequestMessage(Method, Uri);
            if (Accept is not null)
            {
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Accept));
            }

            message.Headers.Authorization = Authorization;
            if (Body is { } body)
            {
                message.Content = new ReadOnlyMemoryContent(body);
                message.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType ?? OctetStream);
                if (ContentRange is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Range", ContentRange);
                }
            }
            else if (Method == HttpMethod.Put || Method == HttpMethod.Post || Method == HttpMethod.Patch)
            {
                // An explicit empty body: Content-Length: 0, never chunked.
                message.Content = new ByteArrayContent([]);
            }

            return message;
        }
    }
}
