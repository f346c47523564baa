using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>Only the gateways an upstream lists may announce P2P routes to it (docs/federation.md), with real brokers
/// and clients: a plain client's announcement attracts nothing.</summary>
public sealed class RouteAnnouncerTests
{
    [Fact]
    public async Task A_plain_clients_announcement_attracts_nothing_and_a_listed_gateways_does()
    {
        await using var cloud = await new HostEngine().StartAsync(new Dictionary<string, string?>
        {
            ["EdgeBroker:Security:P2PGateways:0"] = GatewayBId,
        });
        await using var gatewayB = await new HostEngine().StartAsync(HostGateway(cloud.Port, GatewayBId));
        await using var actuator = await TestClient.ConnectAsync(gatewayB, "actuator-9", MqttProtocolVersion.V500);
        await using var intruder = await TestClient.ConnectAsync(cloud, "intruder", MqttProtocolVersion.V500);
        await using var app = await TestClient.ConnectAsync(cloud, "app", MqttProtocolVersion.V500);
        await WaitForRouteAsync(cloud, "actuator-9", GatewayBId);

        var claim = await intruder.PublishAsync("$eb/route/victim", "1");
        var again = await intruder.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("$eb/route/actuator-9")
            .WithPayload("1").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, claim.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await app.PublishAsync(Address("victim"), "for the victim")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await app.PublishAsync(Address("actuator-9"), "for the actuator")).ReasonCode);
        Assert.Equal("for the actuator", (await actuator.ReceiveAsync()).ConvertPayloadToString());
        await intruder.ExpectNothingAsync();
        Assert.Null(cloud.Core!.FederatedGatewayOf("victim"));
        Assert.Equal(GatewayBId, cloud.Core.FederatedGatewayOf("actuator-9"));

        // Counted each time, logged once for the connection.
        using var http = new HttpClient { BaseAddress = cloud.HttpBaseAddress };
        Assert.Equal(2, (await MetricsScrapeTests.ScrapeAsync(http))["edgebroker_p2p_announcements_refused_total"]);
        Assert.Single(cloud.LoggedProblems, line => line.Contains("intruder", StringComparison.Ordinal) && line.Contains("P2P gateway", StringComparison.Ordinal));
        Assert.True(again.IsSuccess);
    }
}
