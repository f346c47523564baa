using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>The security flags of the host program: <c>--p2p-within-groups-only</c>, <c>--application-group</c>,
/// <c>--sys-subscriber</c> and <c>--p2p-gateway</c> do what their keys in a settings file do.</summary>
public sealed class SecurityFlagTests
{
    [Fact]
    public async Task Within_groups_the_application_group_sys_subscriber_and_p2p_gateway_flags_open_p2p_across_groups_sys_and_route_announcements_to_the_named_clients()
    {
        await using var broker = await HostProcess.StartAsync(
            "--access-key", "AK:secret", "--instance-id", "edge-1", "--p2p-within-groups-only", "--application-group", "GID_app",
            "--sys-subscriber", "GID_app@@@monitor", "--p2p-gateway", "GID_gw");
        await using var monitor = await ConnectAsync(broker, "GID_app@@@monitor");
        await using var backend = await ConnectAsync(broker, "GID_app@@@backend");
        await using var device = await ConnectAsync(broker, "GID_sensors@@@dev1");

        var sys = await monitor.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("$SYS/presence/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var fromApplication = await backend.PublishAsync("app/p2p/GID_sensors@@@dev1", "from the application group");
        var toApplication = await device.PublishAsync("sensors/p2p/GID_app@@@backend", "to the application group");
        var toOtherGroup = await device.PublishAsync("sensors/p2p/GID_gw@@@site", "to another group");

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, sys.Items.Single().ResultCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, fromApplication.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, toApplication.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, toOtherGroup.ReasonCode);
        Assert.Equal("from the application group", (await device.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal("to the application group", (await backend.ReceiveAsync()).ConvertPayloadToString());

        await using var gateway = await ConnectAsync(broker, "GID_gw@@@site");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await gateway.PublishAsync("$eb/route/GID_sensors@@@far", "1")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await backend.PublishAsync("$eb/route/GID_sensors@@@far", "1")).ReasonCode);
    }

    static Task<TestClient> ConnectAsync(RunningBroker broker, string clientId) =>
        TestClient.ConnectAsync(broker, clientId, MqttProtocolVersion.V500,
            configure: options => options.WithCredentials("Signature|AK|edge-1", SecureBroker.SignaturePassword("secret", clientId)));
}
