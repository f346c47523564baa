using EdgeBroker.Host.Configuration;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>What the settings validation says about the Tls section (Program prints each problem and exits with 2).</summary>
public sealed class TlsSettingsTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    [Theory]
    [InlineData("PEM and PFX", "Tls:CertificateFile (--tls-cert) and Tls:PfxFile (--tls-pfx) are both set")]
    [InlineData("key without certificate", "Tls:KeyFile (--tls-key) is set without Tls:CertificateFile")]
    [InlineData("password without PFX", "Tls:PfxPassword is set without Tls:PfxFile")]
    [InlineData("missing certificate file", "Tls:CertificateFile (--tls-cert) '/nonexistent/server.pem' does not exist")]
    [InlineData("missing client CA file", "Tls:ClientCaFile (--tls-client-ca) '/nonexistent/ca.pem' does not exist")]
    [InlineData("client certificates without CA", "Tls:RequireClientCertificate (--require-client-cert) needs Tls:ClientCaFile")]
    [InlineData("CA without client certificates", "Tls:ClientCaFile (--tls-client-ca) is set but Tls:RequireClientCertificate")]
    [InlineData("client certificates without TLS", "Tls:RequireClientCertificate (--require-client-cert) needs TLS")]
    [InlineData("no listener", "Tls:PlainListener is off (--no-plain) but no TLS certificate is configured")]
    [InlineData("TLS port is the MQTT port", "Tls:Port 1883 (--tls-port) is also the plain MQTT port")]
    [InlineData("TLS port is the HTTP port", "Tls:Port 8080 (--tls-port) is also the HTTP port")]
    [InlineData("TLS port out of range", "Tls:Port 70000 (--tls-port) is not a TCP port")]
    public void A_contradictory_or_incomplete_tls_setting_is_named(string problem, string message)
    {
        var settings = new BrokerOptions { Tls = Pem() };
        var tls = settings.Tls;
        switch (problem)
        {
            case "PEM and PFX":
                tls.PfxFile = certificates.ServerPfxFile;
                break;
            case "key without certificate":
                tls.CertificateFile = null;
                break;
            case "password without PFX":
                tls.PfxPassword = "secret";
                break;
            case "missing certificate file":
                tls.CertificateFile = "/nonexistent/server.pem";
                break;
            case "missing client CA file":
                tls.RequireClientCertificate = true;
                tls.ClientCaFile = "/nonexistent/ca.pem";
                break;
            case "client certificates without CA":
                tls.RequireClientCertificate = true;
                break;
            case "CA without client certificates":
                tls.ClientCaFile = certificates.CaFile;
                break;
            case "client certificates without TLS":
                settings.Tls = new TlsOptions { RequireClientCertificate = true, ClientCaFile = certificates.CaFile };
                break;
            case "no listener":
                settings.Tls = new TlsOptions { PlainListener = false };
                break;
            case "TLS port is the MQTT port":
                tls.Port = settings.Port;
                break;
            case "TLS port is the HTTP port":
                tls.Port = settings.HttpPort;
                break;
            case "TLS port out of range":
                tls.Port = 70000;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(problem), problem, "no such case");
        }

        Assert.Contains(settings.Validate(), found => found.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Pem_pfx_client_certificates_and_tls_only_are_each_valid()
    {
        var pfx = new TlsOptions { PfxFile = certificates.ServerPfxFile, PfxPassword = TestCertificates.PfxPassword };
        var clientCertificates = Pem();
        clientCertificates.RequireClientCertificate = true;
        clientCertificates.ClientCaFile = certificates.CaFile;
        var tlsOnly = Pem();
        tlsOnly.PlainListener = false;
        tlsOnly.Port = 1883;

        Assert.All(new[] { Pem(), pfx, clientCertificates, tlsOnly }, tls => Assert.Empty(new BrokerOptions { Tls = tls }.Validate()));
    }

    [Fact]
    public void Without_a_certificate_tls_is_off_and_its_default_port_is_not_checked()
    {
        var settings = new BrokerOptions { Tls = new TlsOptions() };

        Assert.False(settings.Tls.IsEnabled);
        Assert.Empty(settings.Validate());
    }

    /// <summary>A TLS port given without a certificate would be a listener that never opens; refused like the other TLS
    /// settings that need a certificate, before its clash with the MQTT port could be reported instead.</summary>
    [Fact]
    public void A_tls_port_given_without_a_certificate_is_refused_as_a_port_nothing_listens_on()
    {
        var settings = new BrokerOptions { Tls = new TlsOptions { Port = 1883 } };

        var problem = Assert.Single(settings.Validate());
        Assert.StartsWith("Tls:Port 1883 (--tls-port) is set but no TLS certificate is configured, so nothing listens on it", problem);
    }

    TlsOptions Pem() => new() { CertificateFile = certificates.ServerCertificateFile, KeyFile = certificates.ServerKeyFile };
}
