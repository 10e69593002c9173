using Snapshotter.Errors;
using Snapshotter.Registry;
using Snapshotter.Validation;

namespace Snapshotter.Catalogs;

/// <summary>Opens the catalog a registry URL names: "http(s)://host[:port]" or "oci:/absolute/dir".</summary>
internal static class RemoteCatalogs
{
    public const string LayoutScheme = "oci:";
    private const int MaxAttemptsLimit = 100;

    public static IRemoteCatalog Open(RegistryOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        string url = options.Url ?? "";
        string? repositoryNamespace = string.IsNullOrEmpty(options.Namespace) ? null : options.Namespace;
        NameRules.ValidateNamespace(repositoryNamespace, "registry namespace");
        if (url.StartsWith(LayoutScheme, StringComparison.Ordinal))
        {
            return OpenLayout(url[LayoutScheme.Length..], options, repositoryNamespace);
        }

        if (options.MaxAttempts is < 1 or > MaxAttemptsLimit)
        {
            throw SnapshotterException.InvalidArgument($"registry.max_attempts {options.MaxAttempts} is out of range 1..{MaxAttemptsLimit}");
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RetryTimeLimit < TimeSpan.Zero)
        {
            throw SnapshotterException.InvalidArgument("registry.request_timeout must be positive and registry.retry_time_limit not negative");
        }

        return new RegistryCatalog(new DistributionClient(ParseRegistryUrl(url), options, time), repositoryNamespace);
    }

    private static OciLayoutCatalog OpenLayout(string directory, RegistryOptions options, string? repositoryNamespace)
    {
        if (!directory.StartsWith('/'))
        {
            throw SnapshotterException.InvalidArgument($"registry.url '{LayoutScheme}{directory}' must name an absolute directory: {LayoutScheme}/path/to/layout");
        }

        if (options.Username is not null || options.Password is not null || options.Insecure || options.CaFile is not null)
        {
            throw SnapshotterException.InvalidArgument($"registry.url '{LayoutScheme}{directory}' is a local directory: username, password, insecure and ca_file do not apply");
        }

        return new OciLayoutCatalog(Path.TrimEndingDirectorySeparator(directory), repositoryNamespace);
    }

    /// <summary>The registry's base URI. Messages never repeat a URL that carries credentials.</summary>
    private static Uri ParseRegistryUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw SnapshotterException.InvalidArgument(url.Contains('@')
                ? "registry.url is not http://host[:port], https://host[:port] or oci:/dir"
                : $"registry.url '{url}' is not http://host[:port], https://host[:port] or oci:/dir");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw SnapshotterException.InvalidArgument("registry.url carries credentials: give them as username and password instead");
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw SnapshotterException.InvalidArgument($"registry.url '{url}' has a path, query or fragment: only http(s)://host[:port] is accepted (the namespace goes in namespace)");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }
}
