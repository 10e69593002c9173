using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Snapshotter.Errors;

namespace Snapshotter.Registry;

/// <summary>
/// How registry certificates are checked: the system's roots by default, only the roots of a CA bundle when
/// one is configured (as curl's --cacert does), or not at all when insecure. Host names are always checked
/// unless insecure.
/// </summary>
internal static class RegistryTls
{
    public static SslClientAuthenticationOptions ClientOptions(bool insecure, string? caFile)
    {
        var options = new SslClientAuthenticationOptions();
        if (insecure)
        {
            options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (caFile is not null)
        {
            X509Certificate2Collection roots = LoadBundle(caFile);
            options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsTrusted(roots, certificate, chain, errors);
        }

        return options;
    }

    private static X509Certificate2Collection LoadBundle(string caFile)
    {
        if (!Path.IsPathRooted(caFile))
        {
            throw SnapshotterException.InvalidArgument($"ca_file '{caFile}' must be an absolute path");
        }

        if (!File.Exists(caFile))
        {
            throw SnapshotterException.InvalidArgument($"ca_file '{caFile}' does not exist");
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (CryptographicException e)
        {
            throw SnapshotterException.InvalidArgument($"ca_file '{caFile}' is not a PEM certificate bundle: {e.Message}");
        }

        return roots.Count > 0 ? roots : throw SnapshotterException.InvalidArgument($"ca_file '{caFile}' holds no PEM certificate");
    }

    private static bool IsTrusted(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (X509ChainElement element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
