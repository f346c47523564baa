using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeBroker.Host.Tls;

/// <summary>
/// Decides in the TLS handshake whether an MQTT client's certificate is acceptable: it must chain to one of the CAs in
/// the client CA file — the machine's trusted roots do not count, they vouch for web sites, not for our devices — and
/// be usable for client authentication. Revocation is not checked (no CRL or OCSP source is configured). It logs
/// nothing itself: the failed handshake is reported once, with this reason, as a connection problem.
/// </summary>
public sealed class ClientCertificateValidator(X509Certificate2Collection authorities, string authoritiesFile)
{
    static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>The file the CAs came from, for messages.</summary>
    public string AuthoritiesFile => authoritiesFile;

    /// <summary>Why the certificate a client presented in the handshake is refused, or null when it is acceptable.</summary>
    public string? Refusal(X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
        {
            return $"the client presented no certificate (one issued by a CA in {authoritiesFile} is required)";
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

        return chain.Build(leaf)
            ? null
            : $"the client's certificate {leaf.Subject} (issuer {leaf.Issuer}) is not acceptable: " +
              $"{string.Join("; ", chain.ChainStatus.Select(status => status.StatusInformation.Trim().TrimEnd('.')).Distinct())} (client CAs: {authoritiesFile})";
    }
}
