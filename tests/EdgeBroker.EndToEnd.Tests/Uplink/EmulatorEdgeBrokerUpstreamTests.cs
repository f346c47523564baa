using EdgeBroker.Core;
using EdgeBroker.Core.Uplink;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Tls;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>The emulator's uplink to another EdgeBroker host over TLS (its CA file beside edgebroker.conf, the server
/// name checked) in ApsaraMQ Signature mode: the emulator's socket transport and the firmware's settings, end to end.</summary>
public sealed class EmulatorEdgeBrokerUpstreamTests : IDisposable
{
    readonly TestCertificates _certificates = new();
    readonly DirectoryInfo _dataDirectory = Directory.CreateTempSubdirectory("edgebroker-emulator-tls-");

    [Fact]
    public async Task Forwards_over_TLS_with_Signature_credentials_in_order()
    {
        const int Count = 200;
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using var cloud = await TestClient.ConnectAsync(upstream.Broker, "cloud-app", MqttProtocolVersion.V500);
        await cloud.SubscribeAsync("site/#");
        await using var gateway = EmulatorEngine.Start(Settings(upstream, EdgeBrokerUpstream.Secret));
        await Eventually.WaitUntilAsync(() => Status(gateway).State == UplinkState.Connected, () => Status(gateway).ToJson());
        await using var sensor = await TestClient.ConnectAsync(gateway, "sensor");

        for (int i = 0; i < Count; i++)
        {
            await sensor.PublishAsync("site/seq", i.ToString());
        }

        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), await cloud.ReceivePayloadsAsync(Count));
    }

    [Fact]
    public async Task A_wrong_secret_shows_the_CONNACK_reason_and_backs_off_while_local_traffic_flows()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using var gateway = EmulatorEngine.Start(Settings(upstream, "wrong-secret"));
        await Eventually.WaitUntilAsync(() => Status(gateway).Failures >= 2, () => Status(gateway).ToJson());

        var status = Status(gateway);
        Assert.Equal(UplinkState.BackingOff, status.State);
        Assert.Contains("CONNACK return code", status.LastError);
        await using var subscriber = await TestClient.ConnectAsync(gateway, "local-app");
        await subscriber.SubscribeAsync("site/#");
        await using var sensor = await TestClient.ConnectAsync(gateway, "sensor");
        await sensor.PublishAsync("site/t", "local");
        Assert.Equal("local", (await subscriber.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [InlineData(true, "if that port speaks plain MQTT, the address needs mqtt://, not mqtts://")]
    [InlineData(false, "if that port speaks MQTT over TLS, the address needs mqtts://")]
    public async Task An_address_with_the_wrong_scheme_for_its_port_says_which_scheme_to_try(bool tlsToPlainPort, string hint)
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        var settings = Settings(upstream, EdgeBrokerUpstream.Secret);
        settings["uplink"] = tlsToPlainPort ? $"mqtts://127.0.0.1:{upstream.Port}" : $"mqtt://127.0.0.1:{upstream.TlsPort}";
        await using var gateway = EmulatorEngine.Start(settings);

        await Eventually.WaitUntilAsync(() => Status(gateway).Failures >= 1 && Status(gateway).LastError is not null, () => Status(gateway).ToJson());
        Assert.Contains(hint, Status(gateway).LastError);
    }

    /// <summary>edgebroker.conf for an uplink to <paramref name="upstream"/>'s TLS port in Signature mode, the test CA
    /// copied beside it as the device would have it.</summary>
    Dictionary<string, string?> Settings(EdgeBrokerUpstream upstream, string secret)
    {
        File.Copy(_certificates.CaFile, Path.Combine(_dataDirectory.FullName, "ca.pem"));
        return new Dictionary<string, string?>
        {
            [HostEngine.DataDirKey] = _dataDirectory.FullName,
            ["uplink"] = upstream.TlsAddress,
            ["uplink_client_id"] = "GID_gateways@@@gw1",
            ["uplink_forward"] = "site/#",
            ["uplink_auth"] = "signature",
            ["uplink_access_key_id"] = EdgeBrokerUpstream.Key,
            ["uplink_access_key_secret"] = secret,
            ["uplink_instance_id"] = "edgebroker",
            ["uplink_ca_file"] = "ca.pem",
            ["uplink_backoff_min_ms"] = "50",
            ["uplink_backoff_max_ms"] = "200",
        };
    }

    static UplinkStatus Status(EmulatorEngine.RunningEmulator gateway) => gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs());

    public void Dispose()
    {
        _certificates.Dispose();
        _dataDirectory.Delete(recursive: true);
    }
}
