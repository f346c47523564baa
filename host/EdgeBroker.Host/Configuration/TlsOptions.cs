namespace EdgeBroker.Host.Configuration;

/// <summary>
/// Section "EdgeBroker:Tls": MQTT over TLS and HTTPS for the HTTP API. TLS is on when a server certificate is
/// configured, either as PEM (<see cref="CertificateFile"/> + <see cref="KeyFile"/>) or as PKCS#12
/// (<see cref="PfxFile"/> + <see cref="PfxPassword"/>).
/// </summary>
public sealed class TlsOptions
{
    int _port = 8883;

    /// <summary>MQTT over TLS port (8883 is the port IANA registered for it); 0 picks a free one (used by the tests).</summary>
    public int Port
    {
        get => _port;
        set
        {
            _port = value;
            PortGiven = true;
        }
    }

    /// <summary>Whether <see cref="Port"/> was given (the binder sets only the settings that are there): a TLS port
    /// without a certificate would be a listener that never opens, said nowhere.</summary>
    internal bool PortGiven { get; private set; }

    /// <summary>The server certificate, PEM. Its private key is read from <see cref="KeyFile"/>, or from this file when
    /// no key file is given.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The server certificate's private key, PEM (PKCS#8, or PKCS#1/SEC1), unencrypted.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The server certificate and its private key as one PKCS#12 (.pfx/.p12) file, instead of PEM.</summary>
    public string? PfxFile { get; set; }

    /// <summary>The password of <see cref="PfxFile"/>. Never logged; best set through the environment
    /// (EdgeBroker__Tls__PfxPassword) or a settings file only the broker may read, not on a command line.</summary>
    public string? PfxPassword { get; set; }

    /// <summary>MQTT clients must present a certificate that chains to <see cref="ClientCaFile"/>; others are refused
    /// in the TLS handshake.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>The CA certificate(s), PEM, that client certificates must chain to.</summary>
    public string? ClientCaFile { get; set; }

    /// <summary>Whether the unencrypted MQTT listener (<see cref="BrokerOptions.Port"/>) runs beside the TLS one.</summary>
    public bool PlainListener { get; set; } = true;

    /// <summary>Whether a server certificate is configured, which turns TLS on.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(CertificateFile) || !string.IsNullOrWhiteSpace(PfxFile);

    /// <summary>Every problem with these settings, given the other listeners' ports.</summary>
    public IEnumerable<string> Validate(int mqttPort, int httpPort)
    {
        if (!PlainListener && !IsEnabled)
        {
            yield return "Tls:PlainListener is off (--no-plain) but no TLS certificate is configured, so the broker would not listen for MQTT at all; " +
                "give a certificate with --tls-cert and --tls-key, or --tls-pfx.";
        }

        if (!string.IsNullOrWhiteSpace(CertificateFile) && !string.IsNullOrWhiteSpace(PfxFile))
        {
            yield return "Tls:CertificateFile (--tls-cert) and Tls:PfxFile (--tls-pfx) are both set; give the certificate one way, PEM or PFX.";
        }

        if (!string.IsNullOrWhiteSpace(KeyFile) && string.IsNullOrWhiteSpace(CertificateFile))
        {
            yield return "Tls:KeyFile (--tls-key) is set without Tls:CertificateFile (--tls-cert).";
        }

        if (!string.IsNullOrEmpty(PfxPassword) && string.IsNullOrWhiteSpace(PfxFile))
        {
            yield return "Tls:PfxPassword is set without Tls:PfxFile (--tls-pfx).";
        }

        foreach (var (key, flag, file) in new[]
                 {
                     ("CertificateFile", "--tls-cert", CertificateFile),
                     ("KeyFile", "--tls-key", KeyFile),
                     ("PfxFile", "--tls-pfx", PfxFile),
                     ("ClientCaFile", "--tls-client-ca", ClientCaFile),
                 })
        {
            if (!string.IsNullOrWhiteSpace(file) && !File.Exists(file))
            {
                yield return $"Tls:{key} ({flag}) '{file}' does not exist (relative paths start from {Environment.CurrentDirectory}).";
            }
        }

        if (RequireClientCertificate && string.IsNullOrWhiteSpace(ClientCaFile))
        {
            yield return "Tls:RequireClientCertificate (--require-client-cert) needs Tls:ClientCaFile (--tls-client-ca), the CA client certificates must chain to.";
        }

        if (!RequireClientCertificate && !string.IsNullOrWhiteSpace(ClientCaFile))
        {
            yield return "Tls:ClientCaFile (--tls-client-ca) is set but Tls:RequireClientCertificate (--require-client-cert) is off; turn it on, or remove the CA file.";
        }

        if (RequireClientCertificate && !IsEnabled)
        {
            yield return "Tls:RequireClientCertificate (--require-client-cert) needs TLS: give a certificate with --tls-cert and --tls-key, or --tls-pfx.";
        }

        if (!IsEnabled)
        {
            if (PortGiven)
            {
                yield return $"Tls:Port {Port} (--tls-port) is set but no TLS certificate is configured, so nothing listens on it; " +
                    "give a certificate with --tls-cert and --tls-key, or --tls-pfx, or remove the port.";
            }

            yield break;
        }

        if (Port is < 0 or > 65535)
        {
            yield return $"Tls:Port {Port} (--tls-port) is not a TCP port (0-65535).";
        }
        else if (Port != 0 && PlainListener && Port == mqttPort)
        {
            yield return $"Tls:Port {Port} (--tls-port) is also the plain MQTT port; give them different ports.";
        }
        else if (Port != 0 && Port == httpPort)
        {
            yield return $"Tls:Port {Port} (--tls-port) is also the HTTP port; give them different ports.";
        }
    }
}
