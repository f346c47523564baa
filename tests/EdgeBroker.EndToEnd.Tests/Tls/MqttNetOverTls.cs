using System.Security.Cryptography.X509Certificates;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>An MQTTnet test client connected to a broker's TLS port, trusting only the given CA.</summary>
static class MqttNetOverTls
{
    public static Task<TestClient> ConnectAsync(RunningBroker broker, X509Certificate2 ca, string clientId, bool cleanStart = true) =>
        TestClient.ConnectAsync(broker, clientId, cleanStart: cleanStart, configure: options => options
            .WithTcpServer(broker.Host, broker.TlsPort)
            .WithTlsOptions(tls => tls.UseTls().WithTrustChain([ca])));
}
