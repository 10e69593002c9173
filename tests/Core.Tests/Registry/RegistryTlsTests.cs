using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Snapshotter.Catalogs;
using Snapshotter.Errors;
using Snapshotter.Oci;
using Snapshotter.Registry;
using Snapshotter.Tests.Support;

namespace Snapshotter.Tests.Registry;

/// <summary>
/// A registry serving https with a certificate from a CA made here: trusted through ca_file, refused
/// (UNAUTHENTICATED, saying what to do) without it or with another CA, accepted unchecked when insecure.
/// </summary>
public sealed class RegistryTlsTests : IClassFixture<RegistryTlsTests.Server>
{
    private readonly Server _fixture;

    public RegistryTlsTests(Server fixture)
    {
        _fixture = fixture;
    }

    /// <summary>One https registry and its certificates for the class.</summary>
    public sealed class Server : IDisposable
    {
        private readonly TempDirectory _temp = new();

        public Server()
        {
            (string caPem, string certificatePem, string keyPem) = MakeCertificates("snapshotter test CA");
            File.WriteAllText(CaFile, caPem);
            File.WriteAllText(_temp.Combine("server.pem"), certificatePem);
            File.WriteAllText(_temp.Combine("server.key"), keyPem);
            File.WriteAllText(OtherCaFile, MakeCertificates("another CA").CaPem);
            Registry = RegistryServer.Start(new RegistryServer.Options { Tls = (_temp.Combine("server.pem"), _temp.Combine("server.key")) });
        }

        public RegistryServer Registry { get; }

        public string CaFile => _temp.Combine("ca.pem");

        public string OtherCaFile => _temp.Combine("other-ca.pem");

        public void Dispose()
        {
            Registry.Dispose();
            _temp.Dispose();
        }
    }

    private RegistryServer Registry => _fixture.Registry;

    private string CaFile => _fixture.CaFile;

    private string OtherCaFile => _fixture.OtherCaFile;

    [Fact]
    public void A_ca_file_makes_the_registry_trusted()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(new RegistryOptions { Url = Registry.Url, CaFile = CaFile });
        SnapshotArtifact artifact = RegistryTestClient.Artifact();

        catalog.Push("app", "v1", artifact, CancellationToken.None);

        Assert.StartsWith("https://", Registry.Url);
        Assert.Equal(artifact.ManifestDescriptor.Digest, catalog.Pull("app", "v1", CancellationToken.None)?.ManifestDigest);
    }

    [Fact]
    public void An_untrusted_certificate_is_unauthenticated_and_not_retried()
    {
        foreach (string? caFile in new[] { null, OtherCaFile })
        {
            var clock = new TestClock();
            using RegistryCatalog catalog = RegistryTestClient.Open(new RegistryOptions { Url = Registry.Url, CaFile = caFile }, clock);

            SnapshotterException e = Expect.Error(ErrorCode.Unauthenticated, () => catalog.Pull("app", "v1", CancellationToken.None));

            Assert.Contains("TLS", e.Message);
            Assert.Contains("ca_file", e.Message);
            Assert.Empty(clock.Waits);
        }
    }

    [Fact]
    public void Insecure_skips_verification()
    {
        using RegistryCatalog catalog = RegistryTestClient.Open(new RegistryOptions { Url = Registry.Url, Insecure = true });
        catalog.Push("app", "v2", RegistryTestClient.Artifact(), CancellationToken.None);
        Assert.NotNull(catalog.Pull("app", "v2", CancellationToken.None));
    }

    /// <summary>A CA and a server certificate for 127.0.0.1 it signed, as PEM (certificate, key).</summary>
    private static (string CaPem, string CertificatePem, string KeyPem) MakeCertificates(string caName)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using RSA serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 server = request.Create(ca, now.AddHours(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(8));
        return (ca.ExportCertificatePem(), server.ExportCertificatePem(), serverKey.ExportPkcs8PrivateKeyPem());
    }
}
