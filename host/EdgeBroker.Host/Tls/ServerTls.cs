using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Tls;

/// <summary>
/// The server's TLS material, loaded once at start from the Tls settings and shared by the MQTT over TLS listener and
/// the HTTPS API: the server certificate with its private key and, when client certificates are required, their check.
/// A file that cannot be used throws <see cref="CertificateUnavailableException"/> from the constructor, so Program
/// stops the start with a message before anything listens.
/// </summary>
public sealed class ServerTls : IDisposable
{
    /// <summary>TLS 1.0 and 1.1 are deprecated (RFC 8996); every listener offers 1.2 and 1.3 only.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    readonly X509Certificate2Collection _clientAuthorities = [];

    public ServerTls(IOptions<BrokerOptions> options, ILogger<ServerTls> logger)
    {
        var settings = options.Value.Tls;
        if (!settings.IsEnabled)
        {
            return;
        }

        Certificate = LoadServerCertificate(settings);
        if (Certificate.NotAfter < DateTime.Now || Certificate.NotBefore > DateTime.Now)
        {
            logger.LogWarning(LogEvents.CertificateNotValid, "The TLS server certificate {Subject} is valid from {NotBefore:u} to {NotAfter:u} only, not now; clients will refuse it",
                Certificate.Subject, Certificate.NotBefore.ToUniversalTime(), Certificate.NotAfter.ToUniversalTime());
        }

        if (settings.RequireClientCertificate)
        {
            var file = settings.ClientCaFile!;
            LoadAuthorities(file, _clientAuthorities);
            ClientCertificates = new ClientCertificateValidator(_clientAuthorities, file);
        }
    }

    /// <summary>The server certificate, with its private key; null when TLS is off.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The client-certificate check; null when client certificates are not required.</summary>
    public ClientCertificateValidator? ClientCertificates { get; }

    public void Dispose()
    {
        Certificate?.Dispose();
        foreach (var authority in _clientAuthorities)
        {
            authority.Dispose();
        }
    }

    static X509Certificate2 LoadServerCertificate(TlsOptions settings)
    {
        var usePfx = !string.IsNullOrWhiteSpace(settings.PfxFile);
        var source = usePfx
            ? $"Tls:PfxFile '{settings.PfxFile}'"
            : $"Tls:CertificateFile '{settings.CertificateFile}'" + (string.IsNullOrWhiteSpace(settings.KeyFile)
                ? " (no Tls:KeyFile (--tls-key) given, so the key must be in the same file)"
                : $" with Tls:KeyFile '{settings.KeyFile}'");
        X509Certificate2 certificate;
        try
        {
            certificate = usePfx
                ? X509CertificateLoader.LoadPkcs12FromFile(settings.PfxFile!, settings.PfxPassword)
                : X509Certificate2.CreateFromPemFile(settings.CertificateFile!, string.IsNullOrWhiteSpace(settings.KeyFile) ? null : settings.KeyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            // .NET's messages name what is wrong (malformed PEM, key not matching the certificate, wrong password,
            // unreadable file) without quoting the file's contents or the password.
            throw new CertificateUnavailableException($"cannot load the TLS certificate from {source}: {e.GetBaseException().Message}", e);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new CertificateUnavailableException($"the TLS certificate from {source} has no private key; the broker needs it to prove the certificate is its own.");
        }

        if (OperatingSystem.IsWindows())
        {
            // Windows' TLS stack (SChannel) cannot use the in-memory key a PEM import gives; a PKCS#12 round trip puts
            // it where SChannel looks.
            using var imported = certificate;
            return X509CertificateLoader.LoadPkcs12(imported.Export(X509ContentType.Pkcs12), null);
        }

        return certificate;
    }

    static void LoadAuthorities(string file, X509Certificate2Collection authorities)
    {
        try
        {
            authorities.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new CertificateUnavailableException($"cannot load the client CA certificates from Tls:ClientCaFile '{file}': {e.GetBaseException().Message}", e);
        }

        if (authorities.Count == 0)
        {
            throw new CertificateUnavailableException($"Tls:ClientCaFile '{file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }
    }
}
