using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// A gateway under a cloud that takes no <c>$eb/route/…</c> announcements (ApsaraMQ for MQTT), so its uplink has no
/// <c>p2p</c>: a device's P2P reply goes up through a forward rule for the parent topic, <c>plant/p2p/#</c>, unchanged,
/// and the cloud's own P2P routing hands it to the application. Measured against an EdgeBroker cloud configured as an
/// ApsaraMQ instance would be (an access key, nothing about P2P), with either engine as the gateway; the host gateway
/// also proxies the device, so the application's request comes down its proxy session.
/// </summary>
public sealed class ForwardRuleReplyTests
{
    const string Device = "GID_dev@@@valve-3";
    const string App = "GID_app@@@backend";

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_devices_P2P_reply_goes_up_a_forward_rule_for_its_parent_topic_to_the_application_on_the_cloud(string engine)
    {
        await using var cloud = await ProxySessionTests.StartCloudAsync();
        await using var gateway = await Engines.StartAsync(engine, GatewaySettings(engine, cloud.Port));
        await using var app = await TestClient.ConnectAsync(cloud, App);
        await using var device = await TestClient.ConnectAsync(gateway, Device);
        await Eventually.WaitUntilAsync(() => cloud.IsConnected("gw-a"), () => "the gateway's uplink did not connect");
        if (engine == Engines.Host)
        {
            await Eventually.WaitUntilAsync(() => cloud.IsConnected(Device), () => "the device's proxy session did not connect");
            Assert.True((await app.PublishAsync(Address(Device), "open")).IsSuccess);
            Assert.Equal("open", (await device.ReceiveAsync()).ConvertPayloadToString());
        }

        var reply = await device.PublishAsync(Address(App), "opened", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.True(reply.IsSuccess);
        var answer = await app.ReceiveAsync();
        Assert.Equal((Address(App), "opened"), (answer.Topic, answer.ConvertPayloadToString()));
        Assert.Equal((0, 0), (cloud.Counters!.Denied, cloud.Counters.P2PWrapped));
        await app.ExpectNothingAsync();
    }

    /// <summary>An uplink named gw-a without p2p, forwarding <c>plant/p2p/#</c>; the host's also proxies GID_dev in
    /// Signature mode (the firmware has no proxy sessions, its uplink connects anonymously).</summary>
    static Dictionary<string, string?> GatewaySettings(string engine, int cloudPort)
    {
        var forward = Parent + "/p2p/#";
        if (engine == Engines.Emulator)
        {
            return new Dictionary<string, string?>
            {
                ["uplink"] = $"mqtt://127.0.0.1:{cloudPort}",
                ["uplink_client_id"] = "gw-a",
                ["uplink_forward"] = forward,
            };
        }

        var settings = ProxySessionTests.Secured(HostGateway(cloudPort, "gw-a"));
        settings.Remove("EdgeBroker:Uplinks:0:P2P");
        settings["EdgeBroker:Uplinks:0:Forward:0:Filter"] = forward;
        settings["EdgeBroker:Uplinks:0:ProxyGroups:0"] = "GID_dev";
        settings["EdgeBroker:Uplinks:0:AuthMode"] = "Signature";
        settings["EdgeBroker:Uplinks:0:AccessKeyId"] = ProxySessionTests.Key;
        settings["EdgeBroker:Uplinks:0:AccessKeySecret"] = ProxySessionTests.Secret;
        settings["EdgeBroker:Uplinks:0:InstanceId"] = "edgebroker";
        return settings;
    }
}
