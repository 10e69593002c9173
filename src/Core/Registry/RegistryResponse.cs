using System.Net;
using System.Net.Http.Headers;

namespace Snapshotter.Registry;

/// <summary>A registry's answer with its body read completely (registry metadata is small).</summary>
internal sealed class RegistryResponse
{
    public RegistryResponse(HttpStatusCode status, string reason, Uri requestUri, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, byte[] body)
    {
        Status = status;
        Reason = reason;
        RequestUri = requestUri;
        Headers = headers;
        ContentHeaders = contentHeaders;
        Body = body;
    }

    public HttpStatusCode Status { get; }

    public string Reason { get; }

    /// <summary>Where the request ended up (after redirects): relative Location headers resolve against it.</summary>
    public Uri RequestUri { get; }

    public HttpResponseHeaders Headers { get; }

    public HttpContentHeaders ContentHeaders { get; }

    public byte[] Body { get; }

    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public string? Header(string name) =>
        Headers.TryGetValues(name, out IEnumerable<string>? values) || ContentHeaders.TryGetValues(name, out values) ? values.FirstOrDefault() : null;

    /// <summary>The Location header as an absolute URI; relative ones (some registries send them) resolve
    /// against the request.</summary>
    public Uri? Location => Headers.Location is { } location ? Resolve(RequestUri, location.OriginalString) : null;

    /// <summary>A URI reference from a header, resolved against <paramref name="against"/>. Only http(s) URIs
    /// count as absolute: on Unix, .NET reads "/v2/..." as an absolute file URI.</summary>
    public static Uri Resolve(Uri against, string reference) =>
        Uri.TryCreate(reference, UriKind.Absolute, out Uri? absolute) && absolute.Scheme is "http" or "https"
            ? absolute
            : new Uri(against, reference);

    public string StatusText => $"HTTP {(int)Status} {Reason}".TrimEnd();
}
