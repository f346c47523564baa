using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>
/// A throw-away PKI in a temp directory, made with .NET's CertificateRequest: a test CA, a server certificate from it
/// for 127.0.0.1 and localhost (PEM and PFX), a client certificate from it, and a second CA with a client certificate
/// of its own — the "wrong" CA. ECDSA P-256 keys: generated in microseconds, and every client under test speaks them.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "pfx-password-under-test";

    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("edgebroker-tls-");

    public TestCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateAuthority("EdgeBroker Test CA", caKey);
        using var otherCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = CreateAuthority("Somebody Else's CA", otherCaKey);
        CaFile = WritePem("ca.pem", ca.ExportCertificatePem());
        OtherCaFile = WritePem("other-ca.pem", otherCa.ExportCertificatePem());
        Ca = X509CertificateLoader.LoadCertificate(ca.RawData);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var server = Issue(ca, "localhost", serverKey, ServerAuthentication, ThisMachine);
        using var expired = Issue(ca, "localhost", serverKey, ServerAuthentication, ThisMachine, expired: true);
        ExpiredServerCertificateFile = WritePem("expired-server.pem", expired.ExportCertificatePem());
        ServerCertificateFile = WritePem("server.pem", server.ExportCertificatePem());
        ServerKeyFile = WritePem("server.key", serverKey.ExportPkcs8PrivateKeyPem());
        using (var withKey = server.CopyWithPrivateKey(serverKey))
        {
            ServerPfxFile = Path.Combine(_directory.FullName, "server.pfx");
            File.WriteAllBytes(ServerPfxFile, withKey.Export(X509ContentType.Pfx, PfxPassword));
        }

        (ClientCertificateFile, ClientKeyFile) = WriteClient(ca, "device-from-the-ca", "client");
        (OtherClientCertificateFile, OtherClientKeyFile) = WriteClient(otherCa, "device-from-elsewhere", "other-client");
    }

    /// <summary>The test CA's certificate, PEM: it issued the server and the accepted client certificate.</summary>
    public string CaFile { get; }

    /// <summary>The test CA's certificate, for .NET clients' trust chains.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>A CA that issued nothing the broker knows.</summary>
    public string OtherCaFile { get; }

    public string ServerCertificateFile { get; }

    public string ServerKeyFile { get; }

    /// <summary>The server certificate's twin for the same key, expired yesterday.</summary>
    public string ExpiredServerCertificateFile { get; }

    /// <summary>The server certificate and key as PKCS#12, protected with <see cref="PfxPassword"/>.</summary>
    public string ServerPfxFile { get; }

    public string ClientCertificateFile { get; }

    public string ClientKeyFile { get; }

    /// <summary>A client certificate issued by <see cref="OtherCaFile"/>'s CA.</summary>
    public string OtherClientCertificateFile { get; }

    public string OtherClientKeyFile { get; }

    /// <summary>Broker settings for TLS with the PEM server certificate, on a free TLS port.</summary>
    public Dictionary<string, string?> PemSettings() => new()
    {
        ["EdgeBroker:Tls:Port"] = "0",
        ["EdgeBroker:Tls:CertificateFile"] = ServerCertificateFile,
        ["EdgeBroker:Tls:KeyFile"] = ServerKeyFile,
    };

    /// <summary><see cref="PemSettings"/> plus the requirement of a client certificate from the test CA.</summary>
    public Dictionary<string, string?> ClientCertificateSettings() => new(PemSettings())
    {
        ["EdgeBroker:Tls:RequireClientCertificate"] = "true",
        ["EdgeBroker:Tls:ClientCaFile"] = CaFile,
    };

    public void Dispose()
    {
        Ca.Dispose();
        _directory.Delete(recursive: true);
    }

    static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    static X509Certificate2 CreateAuthority(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(30));
    }

    static void ThisMachine(SubjectAlternativeNameBuilder names)
    {
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
    }

    static X509Certificate2 Issue(X509Certificate2 issuer, string name, ECDsa key, Oid usage, Action<SubjectAlternativeNameBuilder>? names = null,
        bool expired = false)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (names is not null)
        {
            var builder = new SubjectAlternativeNameBuilder();
            names(builder);
            request.CertificateExtensions.Add(builder.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        return expired
            ? request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-7), DateTimeOffset.UtcNow.AddDays(-1), serial)
            : request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
    }

    (string Certificate, string Key) WriteClient(X509Certificate2 issuer, string name, string fileName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = Issue(issuer, name, key, ClientAuthentication);
        return (WritePem(fileName + ".pem", certificate.ExportCertificatePem()), WritePem(fileName + ".key", key.ExportPkcs8PrivateKeyPem()));
    }

    string WritePem(string fileName, string pem)
    {
        var path = Path.Combine(_directory.FullName, fileName);
        File.WriteAllText(path, pem);
        return path;
    }
}
