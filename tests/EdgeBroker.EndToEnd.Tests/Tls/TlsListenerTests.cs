using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>MQTT over TLS on the host engine (the firmware has no TLS listener): a test CA and server certificate are
/// generated per class, the broker is started with them, and real clients connect trusting that CA.</summary>
public sealed class TlsListenerTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    [ToolTheory(Tool.MosquittoClients)]
    [InlineData("tlsv1.2")]
    [InlineData("tlsv1.3")]
    public async Task Mosquitto_pub_trusting_the_test_ca_reaches_mosquitto_sub_over_tls(string tlsVersion)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.PemSettings());
        await MosquittoOverTls.SubscribeAsync(broker, certificates.CaFile, "GID_sensors@@@display", "sensors/temperature");

        var publish = await MosquittoOverTls.PublishAsync(broker, certificates.CaFile, "sensors/temperature", "21.5", "--tls-version", tlsVersion);

        Assert.True(publish.ExitCode == 0, $"mosquitto_pub failed: {publish.Errors}");
        Assert.Equal("sensors/temperature 21.5",
            await MosquittoOverTls.ReceiveOneAsync(broker, certificates.CaFile, "GID_sensors@@@display", "sensors/temperature"));
    }

    [ToolFact(Tool.MosquittoClients)]
    public async Task A_client_that_does_not_trust_the_broker_certificate_is_refused_and_others_are_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.PemSettings());
        await MosquittoOverTls.SubscribeAsync(broker, certificates.CaFile, "GID_sensors@@@display", "t");

        var distrustful = await MosquittoOverTls.PublishAsync(broker, certificates.OtherCaFile, "t", "never sent");
        var trusting = await MosquittoOverTls.PublishAsync(broker, certificates.CaFile, "t", "sent");

        Assert.NotEqual(0, distrustful.ExitCode);
        Assert.Equal(0, trusting.ExitCode);
        Assert.Equal("t sent", await MosquittoOverTls.ReceiveOneAsync(broker, certificates.CaFile, "GID_sensors@@@display", "t"));
    }

    [ToolFact(Tool.MosquittoClients)]
    public async Task A_pfx_certificate_serves_tls_too()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:Tls:Port"] = "0",
            ["EdgeBroker:Tls:PfxFile"] = certificates.ServerPfxFile,
            ["EdgeBroker:Tls:PfxPassword"] = TestCertificates.PfxPassword,
        });
        await MosquittoOverTls.SubscribeAsync(broker, certificates.CaFile, "GID_sensors@@@display", "t");

        var publish = await MosquittoOverTls.PublishAsync(broker, certificates.CaFile, "t", "over pfx");

        Assert.True(publish.ExitCode == 0, $"mosquitto_pub failed: {publish.Errors}");
        Assert.Equal("t over pfx", await MosquittoOverTls.ReceiveOneAsync(broker, certificates.CaFile, "GID_sensors@@@display", "t"));
    }

    [Fact]
    public async Task With_the_plain_listener_off_only_the_tls_port_listens()
    {
        using var closed = new ClosedPort();
        var plainPort = closed.Port;
        var settings = certificates.PemSettings();
        settings["EdgeBroker:Port"] = plainPort.ToString();
        settings["EdgeBroker:Tls:PlainListener"] = "false";
        await using var broker = await Engines.StartAsync(Engines.Host, settings);

        using var plain = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => plain.ConnectAsync(broker.Host, plainPort));
        await using var client = await MqttNetOverTls.ConnectAsync(broker, certificates.Ca, "GID_sensors@@@tls-only");

        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(0, broker.Port);
        Assert.True(client.Client.IsConnected);
    }

    [Fact]
    public async Task Over_tls_a_persistent_session_is_reported_present_on_reconnect_as_over_plain_tcp()
    {
        // The core keeps sessions; the CONNACK's session-present flag is its answer, through the same connection loop
        // on TLS connections as on plain ones.
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.PemSettings());
        await using (var first = await MqttNetOverTls.ConnectAsync(broker, certificates.Ca, "GID_sensors@@@persistent", cleanStart: false))
        {
            Assert.False(first.ConnectResult.IsSessionPresent);
            await first.Client.DisconnectAsync();
        }

        await using var second = await MqttNetOverTls.ConnectAsync(broker, certificates.Ca, "GID_sensors@@@persistent", cleanStart: false);

        Assert.True(second.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task Over_tls_a_zero_length_client_id_without_clean_session_gets_connack_0x02_as_over_plain_tcp()
    {
        // [MQTT-3.1.3-8]: MQTTnet's decoder refuses such a CONNECT; GuardedChannel answers it with a CONNACK.
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.PemSettings());

        await using var connection = await RawMqttConnection.OpenTlsAsync(broker, certificates.Ca);

        Assert.Equal(0x02, await connection.ConnectAsync(string.Empty, cleanSession: false));
    }
}
