using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Snapshotter.Errors;

namespace Snapshotter.Registry;

/// <summary>
/// Authentication with one registry, driven by its 401 challenges: none until asked; HTTP Basic with the
/// configured credentials once the registry asks for Basic; the Bearer token flow (the token service named by
/// the challenge's realm, asked with or without the credentials) otherwise. Tokens are cached per scope
/// until shortly before they expire and sent up front, so a warm cache costs no extra round trip. Credentials
/// and tokens go only to the registry itself and to the token service it names; they never appear in errors.
/// </summary>
internal sealed class RegistryAuthenticator
{
    /// <summary>What the token protocol says to assume when a token service gives no lifetime.</summary>
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxExpiryMargin = TimeSpan.FromSeconds(10);
    private const long MaxTokenResponseBytes = 1 << 20;

    private readonly Uri _registry;
    private readonly string? _username;
    private readonly string? _password;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private volatile bool _basic;

    public RegistryAuthenticator(Uri registry, string? username, string? password, TimeProvider time)
    {
        _registry = registry;
        _username = username;
        _password = password;
        _time = time;
    }

    private readonly record struct CachedToken(string Token, long ExpiresAtTimestamp);

    private bool HasCredentials => _username is not null || _password is not null;

    /// <summary>Adds what the registry accepted before for this scope. Requests to other hosts (a redirect to
    /// blob storage) get nothing.</summary>
    public void Authorize(HttpRequestMessage request, string scope)
    {
        if (!IsRegistry(request.RequestUri))
        {
            return;
        }

        if (_basic)
        {
            request.Headers.Authorization = BasicCredentials();
        }
        else if (_tokens.TryGetValue(scope, out CachedToken cached) && _time.GetTimestamp() < cached.ExpiresAtTimestamp)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cached.Token);
        }
    }

    /// <summary>
    /// Answers a 401 so the request can be sent again: switches to Basic, or fetches a token for
    /// <paramref name="scope"/> (and the challenge's own scope) with <paramref name="fetch"/>. A challenge that
    /// cannot be answered is UNAUTHENTICATED saying why.
    /// </summary>
    public async Task RespondAsync(
        HttpResponseMessage response,
        string scope,
        string what,
        Func<Uri, AuthenticationHeaderValue?, CancellationToken, Task<RegistryResponse>> fetch,
        CancellationToken cancellation)
    {
        List<AuthChallenge> challenges = AuthChallenge.From(response.Headers.WwwAuthenticate);
        if (challenges.FirstOrDefault(c => c.IsBearer) is { } bearer)
        {
            _tokens.TryRemove(scope, out _);
            await FetchTokenAsync(bearer, scope, what, fetch, cancellation).ConfigureAwait(false);
            return;
        }

        if (challenges.Any(c => c.IsBasic))
        {
            if (!HasCredentials)
            {
                throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what}: the registry requires a username and password and none are configured");
            }

            // Refused only if this very request carried the credentials: concurrent first requests all go out
            // without them, and the first of their challenges already switched to Basic.
            if (_basic && response.RequestMessage?.Headers.Authorization?.Scheme == "Basic")
            {
                throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what}: the registry refused the configured username and password");
            }

            _basic = true;
            return;
        }

        string schemes = challenges.Count == 0 ? "no WWW-Authenticate challenge" : "challenge(s) " + string.Join(", ", challenges.Select(c => c.Scheme));
        throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what}: HTTP 401 with {schemes}; only Basic and Bearer are supported");
    }

    /// <summary>The registry refused a request made with fresh credentials: UNAUTHENTICATED, or
    /// PERMISSION_DENIED when the token lacked the scope (the registry says error="insufficient_scope").</summary>
    public SnapshotterException Refused(HttpResponseMessage response, RegistryResponse refusal, string what)
    {
        bool insufficientScope = AuthChallenge.From(response.Headers.WwwAuthenticate).Any(c => c.IsBearer && c["error"] == "insufficient_scope");
        string described = RegistryErrors.Describe(refusal, what);
        if (insufficientScope)
        {
            return new SnapshotterException(ErrorCode.PermissionDenied, $"{described} (the token service granted too little access)");
        }

        return new SnapshotterException(ErrorCode.Unauthenticated, _basic
            ? $"{described} (the registry refused the configured username and password)"
            : $"{described} (the registry refused the token it was given)");
    }

    private async Task FetchTokenAsync(
        AuthChallenge challenge,
        string scope,
        string what,
        Func<Uri, AuthenticationHeaderValue?, CancellationToken, Task<RegistryResponse>> fetch,
        CancellationToken cancellation)
    {
        if (!Uri.TryCreate(challenge["realm"], UriKind.Absolute, out Uri? realm) || realm.Scheme is not ("http" or "https"))
        {
            throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what}: the registry's Bearer challenge names no usable token service (realm '{challenge["realm"]}')");
        }

        if (HasCredentials && realm.Scheme == "http" && _registry.Scheme == "https")
        {
            throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what}: the token service {realm.GetLeftPart(UriPartial.Path)} is plain HTTP; credentials are not sent there from an https registry");
        }

        var query = new StringBuilder(realm.Query.Length > 0 ? realm.Query[1..] + "&" : "");
        if (challenge["service"] is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        var scopes = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (challenge["scope"] is { } asked)
        {
            scopes.AddRange(asked.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => !scopes.Any(ours => Covers(ours, s))));
        }

        query.AppendJoin('&', scopes.Select(s => "scope=" + Uri.EscapeDataString(s)));
        var uri = new UriBuilder(realm) { Query = query.ToString().TrimEnd('&') }.Uri;
        string tokenWhat = $"{what}: token service {realm.GetLeftPart(UriPartial.Path)}";
        long requested = _time.GetTimestamp();
        RegistryResponse answer = await fetch(uri, HasCredentials ? BasicCredentials() : null, cancellation).ConfigureAwait(false);
        if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new SnapshotterException(ErrorCode.Unauthenticated, HasCredentials
                ? $"{tokenWhat} refused the configured username and password ({answer.StatusText})"
                : $"{tokenWhat} requires a username and password and none are configured ({answer.StatusText})");
        }

        if (!answer.IsSuccess)
        {
            throw new SnapshotterException(RegistryErrors.CodeFor(answer.Status), RegistryErrors.Describe(answer, tokenWhat));
        }

        (string token, TimeSpan lifetime) = ParseToken(answer.Body, tokenWhat);
        TimeSpan margin = TimeSpan.FromTicks(Math.Min(MaxExpiryMargin.Ticks, lifetime.Ticks / 2));
        long expires = requested + (long)((lifetime - margin).TotalSeconds * _time.TimestampFrequency);
        _tokens[scope] = new CachedToken(token, expires);
    }

    /// <summary>Whether scope <paramref name="ours"/> grants everything <paramref name="asked"/> does:
    /// "repository:ns/app:pull,push" covers "repository:ns/app:push,pull" and "repository:ns/app:pull".</summary>
    private static bool Covers(string ours, string asked)
    {
        int oursActions = ours.LastIndexOf(':'), askedActions = asked.LastIndexOf(':');
        return oursActions > 0 && askedActions > 0
            && ours.AsSpan(0, oursActions).SequenceEqual(asked.AsSpan(0, askedActions))
            && asked[(askedActions + 1)..].Split(',').All(ours[(oursActions + 1)..].Split(',').Contains);
    }

    private static (string Token, TimeSpan Lifetime) ParseToken(byte[] body, string what)
    {
        if (body.Length > MaxTokenResponseBytes)
        {
            throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what} sent an oversized answer");
        }

        string? token = null, accessToken = null;
        long expiresIn = 0;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (name == "token" && reader.TokenType == JsonTokenType.String)
                    {
                        token = reader.GetString();
                    }
                    else if (name == "access_token" && reader.TokenType == JsonTokenType.String)
                    {
                        accessToken = reader.GetString();
                    }
                    else if (name == "expires_in" && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long seconds))
                    {
                        expiresIn = seconds;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what} sent an answer that is not JSON");
        }

        string chosen = !string.IsNullOrEmpty(token) ? token : !string.IsNullOrEmpty(accessToken) ? accessToken
            : throw new SnapshotterException(ErrorCode.Unauthenticated, $"{what} sent no token");
        return (chosen, expiresIn > 0 ? TimeSpan.FromSeconds(Math.Min(expiresIn, (long)TimeSpan.FromDays(1).TotalSeconds)) : DefaultTokenLifetime);
    }

    private AuthenticationHeaderValue BasicCredentials() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_username}:{_password}")));

    private bool IsRegistry(Uri? uri) =>
        uri is not null && uri.Scheme == _registry.Scheme && string.Equals(uri.Authority, _registry.Authority, StringComparison.OrdinalIgnoreCase);
}
