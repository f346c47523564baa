using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Security;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.P2P;

/// <summary>
/// Who a P2P message may reach once clients sign in with an access key — the ordinary ApsaraMQ for MQTT layout: devices
/// in <c>GID_dev</c>, the back end in <c>GID_app</c>, both in Signature mode, no <c>ApplicationGroups</c> listed. By
/// default, as on ApsaraMQ, the parent topic's publish rule alone decides; kept within groups
/// (<c>Security:P2PWithinGroupsOnly</c>, <c>p2p_within_groups_only</c>) another group is refused. Both engines, each
/// configured the way its users configure it (the host's JSON file, the device's edgebroker.conf).
/// </summary>
public sealed class P2PAccessTests
{
    const string Key = "AK_FID";
    const string Secret = "fid-secret-0123456789";
    const string Instance = "mqtt-fid-test";
    const string Backend = "GID_app@@@backend";
    const string Valve = "GID_dev@@@valve-3";
    const string OtherValve = "GID_dev@@@valve-4";

    public static TheoryData<string, MqttProtocolVersion> EnginesAndProtocols
    {
        get
        {
            var cases = new TheoryData<string, MqttProtocolVersion>();
            foreach (var engine in Engines.Names)
            {
                cases.Add(engine, MqttProtocolVersion.V311);
            }

            cases.Add(Engines.Host, MqttProtocolVersion.V500);
            return cases;
        }
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols))]
    public async Task A_back_end_in_its_own_group_reaches_a_device_by_P2P_and_the_device_answers_it(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, withinGroupsOnly: false);
        await using var backend = await ConnectAsync(broker, Backend, protocol);
        await using var valve = await ConnectAsync(broker, Valve, protocol);

        var command = await backend.PublishAsync("GID_app/p2p/" + Valve, "open");
        Assert.Equal("open", (await valve.ReceiveAsync()).ConvertPayloadToString());
        var reply = await valve.PublishAsync("GID_dev/p2p/" + Backend, "opened");

        Assert.Equal(MqttClientPublishReasonCode.Success, command.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, reply.ReasonCode);
        var answer = await backend.ReceiveAsync();
        Assert.Equal(("GID_dev/p2p/" + Backend, "opened"), (answer.Topic, answer.ConvertPayloadToString()));
        Assert.Equal(0, broker.Counters!.Denied);
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols))]
    public async Task Kept_within_groups_P2P_to_another_group_is_refused_with_0x87_on_MQTT_5_and_acknowledged_and_dropped_on_3_1_1(
        string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine, withinGroupsOnly: true);
        await using var backend = await ConnectAsync(broker, Backend, protocol);
        await using var valve = await ConnectAsync(broker, Valve, protocol);
        await using var otherValve = await ConnectAsync(broker, OtherValve, protocol);

        var crossing = await backend.PublishAsync("GID_app/p2p/" + Valve, "open");
        var sameGroup = await otherValve.PublishAsync("GID_dev/p2p/" + Valve, "from a peer");

        AccessControlTests.AssertPublishRefused(protocol, crossing);
        Assert.Equal(MqttClientPublishReasonCode.Success, sameGroup.ReasonCode);
        Assert.Equal("from a peer", (await valve.ReceiveAsync()).ConvertPayloadToString());
        await valve.ExpectNothingAsync();
        Assert.True(backend.Client.IsConnected);
        Assert.Equal(1, broker.Counters!.Denied);
    }

    /// <summary>One access key for every group and an instance ID, anonymous clients refused; nothing else.</summary>
    static async Task<RunningBroker> StartAsync(string engine, bool withinGroupsOnly)
    {
        if (engine == Engines.Emulator)
        {
            var settings = new Dictionary<string, string?>
            {
                ["access_key." + Key] = Secret,
                ["instance_id"] = Instance,
            };
            if (withinGroupsOnly)
            {
                settings["p2p_within_groups_only"] = "1";
            }

            return EmulatorEngine.Start(settings);
        }

        return await Engines.StartWithConfigAsync(engine,
            $$"""
            {
              "EdgeBroker": {
                "InstanceId": "{{Instance}}",
                "AccessKeys": [ { "Id": "{{Key}}", "Secret": "{{Secret}}" } ],
                "Security": { "P2PWithinGroupsOnly": {{(withinGroupsOnly ? "true" : "false")}} }
              }
            }
            """);
    }

    static async Task<TestClient> ConnectAsync(RunningBroker broker, string clientId, MqttProtocolVersion protocol)
    {
        var client = await TestClient.ConnectAsync(broker, clientId, protocol,
            configure: options => options.WithCredentials(SecureBroker.SignatureUserName(Key, Instance), SecureBroker.SignaturePassword(Secret, clientId)));
        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
        return client;
    }
}
