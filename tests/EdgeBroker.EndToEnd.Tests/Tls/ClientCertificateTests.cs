using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>Tls:RequireClientCertificate with the test CA as Tls:ClientCaFile: only clients holding a certificate issued
/// by that CA get past the TLS handshake. Host only.</summary>
public sealed class ClientCertificateTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    [ToolFact(Tool.MosquittoClients)]
    public async Task A_client_with_a_certificate_from_the_client_ca_is_accepted()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.ClientCertificateSettings());
        await MosquittoOverTls.SubscribeAsync(broker, certificates.CaFile, Display, "t", ClientCertificate);

        var publish = await MosquittoOverTls.PublishAsync(broker, certificates.CaFile, "t", "from a device", ClientCertificate);

        Assert.True(publish.ExitCode == 0, $"mosquitto_pub failed: {publish.Errors}");
        Assert.Equal("t from a device", await MosquittoOverTls.ReceiveOneAsync(broker, certificates.CaFile, Display, "t", ClientCertificate));
    }

    [ToolTheory(Tool.MosquittoClients)]
    [InlineData("no certificate", "tlsv1.2")]
    [InlineData("no certificate", "tlsv1.3")]
    [InlineData("a certificate from another CA", "tlsv1.2")]
    [InlineData("a certificate from another CA", "tlsv1.3")]
    public async Task A_client_with_no_acceptable_certificate_is_refused_and_others_are_served(string holding, string tlsVersion)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.ClientCertificateSettings());
        await MosquittoOverTls.SubscribeAsync(broker, certificates.CaFile, Display, "t", ClientCertificate);
        string[] refusedCertificate = holding == "no certificate"
            ? []
            : ["--cert", certificates.OtherClientCertificateFile, "--key", certificates.OtherClientKeyFile];

        var refused = await MosquittoOverTls.PublishAsync(broker, certificates.CaFile, "t", "never delivered",
            [.. refusedCertificate, "--tls-version", tlsVersion]);
        var accepted = await MosquittoOverTls.PublishAsync(broker, certificates.CaFile, "t", "delivered", ClientCertificate);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Equal(0, accepted.ExitCode);
        Assert.Equal("t delivered", await MosquittoOverTls.ReceiveOneAsync(broker, certificates.CaFile, Display, "t", ClientCertificate));
    }

    const string Display = "GID_sensors@@@display";

    string[] ClientCertificate => ["--cert", certificates.ClientCertificateFile, "--key", certificates.ClientKeyFile];
}
