using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Tls;

/// <summary>
/// Decides in the TLS handshake whether an MQTT client's certificate is acceptable: it must chain to one of the CAs in
/// the client CA file — the machine's trusted roots do not count, they vouch for web sites, not for our devices — and
/// be usable for client authentication. Revocation is not checked (no CRL or OCSP source is configured).
/// </summary>
public sealed class ClientCertificateValidator(X509Certificate2Collection authorities, string authoritiesFile, ILogger logger)
{
    static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>The file the CAs came from, for messages.</summary>
    public string AuthoritiesFile => authoritiesFile;

    /// <summary>A <see cref="RemoteCertificateValidationCallback"/>; false refuses the handshake.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            logger.LogWarning("TLS client refused: it presented no client certificate (one issued by {ClientCaFile} is required)", authoritiesFile);
            return false;
        }

        using var received = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        var leaf = received ?? (X509Certificate2)certificate;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // Intermediate CAs the client sent along with its certificate.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }

        if (chain.Build(leaf))
        {
            return true;
        }

        logger.LogWarning("TLS client refused: its certificate {Subject} (issuer {Issuer}) is not acceptable: {Reasons} (client CAs: {ClientCaFile})",
            leaf.Subject, leaf.Issuer, string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Distinct()), authoritiesFile);
        return false;
    }
}
