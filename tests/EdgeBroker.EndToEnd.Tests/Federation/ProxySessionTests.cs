using System.Text;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// Down path 1 of P2P federation, proxy sessions (docs/federation.md): a gateway (host) with the group GID_dev proxied
/// keeps one upstream connection per connected GID_dev device under the device's own client ID, signed in Signature
/// mode for that client ID, so the cloud's own P2P routing and presence see the device as its own client. The cloud is
/// an EdgeBroker host with access keys (its HTTP API answers online-status queries). Host engine only: the firmware
/// has no proxy sessions.
/// </summary>
public sealed class ProxySessionTests
{
    const string Device = "GID_dev@@@dev-1";
    const string App = "GID_app@@@app";
    internal const string Key = "AK_ALL";
    internal const string Secret = "secret-for-all";

    [Fact]
    public async Task An_application_on_the_cloud_reaches_a_device_on_the_gateway_by_its_proxy_session_and_the_reply_comes_back()
    {
        await using var cloud = await StartCloudAsync();
        await using var gateway = await StartGatewayAsync(cloud);
        await using var device = await TestClient.ConnectAsync(gateway, Device, MqttProtocolVersion.V500);
        await WaitForProxyAsync(cloud, Device, connected: true);
        await using var app = await TestClient.ConnectAsync(cloud, App, MqttProtocolVersion.V500);

        Assert.True((await app.PublishAsync(Address(Device), "qos0", MqttQualityOfServiceLevel.AtMostOnce)).IsSuccess);
        var request = await app.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Address(Device)).WithPayload("qos1")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(Address(App)).WithCorrelationData("c-7"u8.ToArray()).WithContentType("text/plain")
            .WithUserProperty("unit", "C"u8.ToArray().AsMemory()).Build());

        Assert.Equal(MqttClientPublishReasonCode.Success, request.ReasonCode);
        var first = await device.ReceiveAsync();
        Assert.Equal((Address(Device), "qos0", MqttQualityOfServiceLevel.AtMostOnce),
            (first.Topic, first.ConvertPayloadToString(), first.QualityOfServiceLevel));
        var received = await device.ReceiveAsync();
        Assert.Equal((Address(Device), "qos1", MqttQualityOfServiceLevel.AtLeastOnce),
            (received.Topic, received.ConvertPayloadToString(), received.QualityOfServiceLevel));
        Assert.Equal((Address(App), "c-7", "text/plain"), (received.ResponseTopic, Encoding.UTF8.GetString(received.CorrelationData), received.ContentType));
        Assert.Contains(received.UserProperties, property => property.Name == "unit" && property.ValueBuffer.ToArray().SequenceEqual("C"u8.ToArray()));
        Assert.True((await app.PublishAsync(Address(Device), "qos2", MqttQualityOfServiceLevel.ExactlyOnce)).IsSuccess);
        var exactlyOnce = await device.ReceiveAsync();
        Assert.Equal(("qos2", MqttQualityOfServiceLevel.ExactlyOnce), (exactlyOnce.ConvertPayloadToString(), exactlyOnce.QualityOfServiceLevel));

        // The device answers by P2P to the response topic: up the gateway's federated uplink to the application.
        var reply = await device.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(received.ResponseTopic).WithPayload("ack")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithCorrelationData(received.CorrelationData).Build());
        Assert.True(reply.IsSuccess, reply.ReasonCode.ToString());
        var response = await app.ReceiveAsync();
        Assert.Equal((Address(App), "ack", "c-7"), (response.Topic, response.ConvertPayloadToString(), Encoding.UTF8.GetString(response.CorrelationData)));

        // The cloud delivered to the device's own session there, not in an envelope to the gateway's; nothing came twice.
        Assert.Equal(0, cloud.Counters!.P2PWrapped);
        await device.ExpectNothingAsync();
        await app.ExpectNothingAsync();
    }

    [Fact]
    public async Task The_cloud_shows_a_proxied_device_online_while_it_is_connected_at_the_gateway_and_offline_after_it_leaves()
    {
        await using var cloud = await StartCloudAsync();
        await using var gateway = await StartGatewayAsync(cloud);
        using var cloudApi = new SignedApiClient(cloud.HttpBaseAddress!, Key, Secret);
        using var gatewayApi = new SignedApiClient(gateway.HttpBaseAddress!, Key, Secret);
        await using var monitor = await TestClient.ConnectAsync(cloud, "GID_app@@@monitor", MqttProtocolVersion.V500,
            configure: options => options.WithCredentials($"Signature|{Key}|edgebroker", Security.SecureBroker.SignaturePassword(Secret, "GID_app@@@monitor")));
        foreach (var eventType in new[] { "connect", "disconnect", "tcpclean" })
        {
            await monitor.SubscribeAsync("$SYS/presence/GID_dev/" + eventType);
        }

        Assert.Equal(0, await OnlineAsync(cloudApi, Device));

        await using (await TestClient.ConnectAsync(gateway, Device, MqttProtocolVersion.V500))
        {
            await Eventually.WaitUntilAsync(async () => await OnlineAsync(cloudApi, Device) == 1, () => "the cloud never showed the device online");
            Assert.Equal(["connect"], await PresenceEventsAsync(monitor, 1));
            Assert.Equal((1, 0), await ProxyStatusAsync(gatewayApi));
        }

        // A clean exit at the gateway is a clean exit upstream: disconnect, then tcpclean.
        await Eventually.WaitUntilAsync(async () => await OnlineAsync(cloudApi, Device) == 0, () => "the cloud still shows the device online");
        Assert.Equal(["disconnect", "tcpclean"], await PresenceEventsAsync(monitor, 2));
        Assert.Equal((0, 0), await ProxyStatusAsync(gatewayApi));

        // A device that loses its connection is lost upstream too: its proxy session is dropped without DISCONNECT.
        var lost = await RawMqttConnection.OpenAsync(gateway);
        Assert.Equal(0, await lost.ConnectAsync(Device));
        await Eventually.WaitUntilAsync(async () => await OnlineAsync(cloudApi, Device) == 1, () => "the cloud never showed the device online again");
        Assert.Equal(["connect"], await PresenceEventsAsync(monitor, 1));
        lost.Abort();
        await Eventually.WaitUntilAsync(async () => await OnlineAsync(cloudApi, Device) == 0, () => "the cloud still shows the lost device online");
        Assert.Equal(["tcpclean"], await PresenceEventsAsync(monitor, 1));
        await monitor.ExpectNothingAsync();
    }

    [Fact]
    public async Task A_message_for_a_persistent_device_sent_while_it_is_away_waits_upstream_and_arrives_when_it_reconnects()
    {
        await using var cloud = await StartCloudAsync();
        await using var gateway = await StartGatewayAsync(cloud);
        await using (await TestClient.ConnectAsync(gateway, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600))
        {
            await WaitForProxyAsync(cloud, Device, connected: true);
        }

        await WaitForProxyAsync(cloud, Device, connected: false);
        await using var app = await TestClient.ConnectAsync(cloud, App, MqttProtocolVersion.V500);
        var sent = await app.PublishAsync(Address(Device), "while-away");

        // The device's proxy session upstream is persistent, as its session at the gateway is: the cloud keeps it.
        Assert.True(sent.IsSuccess, sent.ReasonCode.ToString());
        Assert.Equal(1, cloud.Core!.OfflineQueueDepth());
        await using var device = await TestClient.ConnectAsync(gateway, Device, MqttProtocolVersion.V500, cleanStart: false, sessionExpiry: 3600);
        var kept = await device.ReceiveAsync();
        Assert.Equal((Address(Device), "while-away"), (kept.Topic, kept.ConvertPayloadToString()));
        await Eventually.WaitUntilAsync(() => cloud.Core!.OfflineQueueDepth() == 0, () => "the cloud still keeps the message");
    }

    [Fact]
    public async Task A_device_beyond_the_cap_gets_no_proxy_session_and_is_reached_by_the_envelope_path_instead()
    {
        await using var cloud = await StartCloudAsync();
        await using var gateway = await StartGatewayAsync(cloud, maxProxySessions: 1);
        using var http = new HttpClient { BaseAddress = gateway.HttpBaseAddress };
        await using var first = await TestClient.ConnectAsync(gateway, Device, MqttProtocolVersion.V500);
        await WaitForProxyAsync(cloud, Device, connected: true);
        await using var second = await TestClient.ConnectAsync(gateway, "GID_dev@@@dev-2", MqttProtocolVersion.V500);
        await WaitForRouteAsync(cloud, "GID_dev@@@dev-2", "site-gw");
        await using var app = await TestClient.ConnectAsync(cloud, App, MqttProtocolVersion.V500);

        Assert.True((await app.PublishAsync(Address("GID_dev@@@dev-2"), "by envelope")).IsSuccess);
        Assert.True((await app.PublishAsync(Address(Device), "by proxy")).IsSuccess);

        Assert.Equal("by envelope", (await second.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal("by proxy", (await first.ReceiveAsync()).ConvertPayloadToString());
        Assert.False(cloud.IsConnected("GID_dev@@@dev-2"));
        Assert.Equal(1, cloud.Counters!.P2PWrapped);
        var metrics = await MetricsScrapeTests.ScrapeAsync(http);
        Assert.Equal((1, 1), (metrics["edgebroker_uplink_proxy_sessions{uplink=\"cloud\"}"], metrics["edgebroker_uplink_proxy_over_cap_total{uplink=\"cloud\"}"]));
    }

    [Fact]
    public async Task The_command_line_flags_proxy_a_group_of_the_gateway_program_up_to_the_cap()
    {
        await using var cloud = await new HostEngine().StartAsync();
        await using var gateway = await HostProcess.StartAsync("--uplink", $"mqtt://127.0.0.1:{cloud.Port}", "--uplink-client-id", "site-gw",
            "--uplink-proxy-group", "GID_dev", "--uplink-max-proxy-sessions", "1");
        await using var first = await TestClient.ConnectAsync(gateway, Device);
        await WaitForProxyAsync(cloud, Device, connected: true);

        await using var second = await TestClient.ConnectAsync(gateway, "GID_dev@@@dev-2");
        await using var other = await TestClient.ConnectAsync(gateway, "GID_other@@@x");

        await gateway.WaitForOutputAsync("1 proxy sessions are open (MaxProxySessions); GID_dev@@@dev-2");
        Assert.False(cloud.IsConnected("GID_dev@@@dev-2") || cloud.IsConnected("GID_other@@@x"));
    }

    /// <summary>Access keys (AK_ALL for every group), anonymous clients allowed, one $SYS subscriber, and nothing about
    /// P2P (no application groups: as on ApsaraMQ, P2P reaches every group): the same on the cloud and the gateway.</summary>
    internal static Dictionary<string, string?> Secured(Dictionary<string, string?> settings)
    {
        settings["EdgeBroker:AccessKeys:0:Id"] = Key;
        settings["EdgeBroker:AccessKeys:0:Secret"] = Secret;
        settings["EdgeBroker:Security:AllowAnonymous"] = "true";
        settings["EdgeBroker:Security:SysSubscribers:0"] = "GID_app@@@monitor";
        return settings;
    }

    /// <summary>The cloud: secured, with the gateway's uplink client ID listed in P2PGateways, so it takes route
    /// announcements from that gateway alone (a broker with credentials takes them from nobody unlisted).</summary>
    internal static Task<RunningBroker> StartCloudAsync() =>
        new HostEngine().StartAsync(Secured(new() { ["EdgeBroker:Security:P2PGateways:0"] = "site-gw" }));

    /// <summary>The gateway site-gw: a federated uplink to the cloud in Signature mode, GID_dev proxied.</summary>
    static Task<RunningBroker> StartGatewayAsync(RunningBroker cloud, int? maxProxySessions = null)
    {
        var settings = Secured(HostGateway(cloud.Port, "site-gw"));
        settings["EdgeBroker:Uplinks:0:ProxyGroups:0"] = "GID_dev";
        settings["EdgeBroker:Uplinks:0:AuthMode"] = "Signature";
        settings["EdgeBroker:Uplinks:0:AccessKeyId"] = Key;
        settings["EdgeBroker:Uplinks:0:AccessKeySecret"] = Secret;
        settings["EdgeBroker:Uplinks:0:InstanceId"] = "edgebroker";
        if (maxProxySessions is { } max)
        {
            settings["EdgeBroker:Uplinks:0:MaxProxySessions"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new HostEngine().StartAsync(settings);
    }

    static Task WaitForProxyAsync(RunningBroker cloud, string clientId, bool connected) =>
        Eventually.WaitUntilAsync(() => cloud.IsConnected(clientId) == connected,
            () => $"the proxy session of {clientId} is {(connected ? "not connected" : "still connected")} at the cloud");

    static async Task<int> OnlineAsync(SignedApiClient api, string clientId)
    {
        var answer = await api.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = clientId });
        answer.AssertOk();
        return answer.Int("online");
    }

    /// <summary>The event types of the next <paramref name="count"/> presence events (the last level of their topics).</summary>
    static async Task<List<string>> PresenceEventsAsync(TestClient monitor, int count)
    {
        var events = new List<string>();
        for (var i = 0; i < count; i++)
        {
            events.Add((await monitor.ReceiveAsync()).Topic.Split('/')[^1]);
        }

        return events;
    }

    /// <summary>The gateway's <c>GET /uplinks</c>: its uplink's open proxy sessions and clients over the cap.</summary>
    static async Task<(int, long)> ProxyStatusAsync(SignedApiClient api)
    {
        var answer = await api.GetAsync("/uplinks");
        var uplink = answer.Body.EnumerateArray().Single();
        return (uplink.GetProperty("proxySessions").GetInt32(), uplink.GetProperty("proxyOverCap").GetInt64());
    }
}
