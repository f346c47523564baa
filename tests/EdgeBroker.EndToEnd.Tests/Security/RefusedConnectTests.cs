using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Security.SecureBroker;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>A refused CONNECT changes nothing: the live connection with the same client ID keeps its session, and a
/// persistent session's stored messages are delivered only after a CONNECT that passes authentication.</summary>
public sealed class RefusedConnectTests
{
    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task A_takeover_attempt_with_bad_credentials_leaves_the_original_connection_untouched(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        await using var original = await ConnectAsync(broker, Device, protocol);
        await using var backend = await ConnectAsync(broker, Backend, protocol);

        var wrongSecret = await RefusedAsync(broker, Device, protocol, SignatureUserName(SensorsKey), SignaturePassword("guess", Device));
        var anonymous = await RefusedAsync(broker, Device, protocol, userName: null, password: null);
        await backend.PublishAsync("app/p2p/" + Device, "still yours");

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrongSecret);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymous);
        Assert.Equal("still yours", (await original.ReceiveAsync()).ConvertPayloadToString());
        Assert.True(original.Client.IsConnected);
    }

    /// <summary>Issue #3: offline messages are delivered after the client connects and passes authentication — never before.</summary>
    [Theory]
    [MemberData(nameof(EnginesAndProtocols), MemberType = typeof(SecureBroker))]
    public async Task Stored_messages_wait_through_a_refused_connect_and_all_arrive_after_a_good_one(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await StartAsync(engine);
        var device = await ConnectAsync(broker, Device, protocol, cleanStart: false, sessionExpiry: 3600);
        await device.DisposeAsync();
        await using var backend = await ConnectAsync(broker, Backend, protocol);
        foreach (var payload in new[] { "m1", "m2", "m3" })
        {
            await backend.PublishAsync("app/p2p/" + Device, payload);
        }

        await using (var impostor = await RawMqttConnection.OpenAsync(broker))
        {
            var code = await impostor.ConnectAsync(Device, cleanSession: false, protocolLevel: protocol == MqttProtocolVersion.V500 ? 5 : 4,
                userName: SignatureUserName(SensorsKey), password: SignaturePassword("guess", Device));
            Assert.NotEqual(0, code);
            var after = await Record.ExceptionAsync(() => impostor.ReadPacketAsync(TestClient.SilenceWindow));
            Assert.True(after is not null, "the refused connection received a packet after its CONNACK");
        }

        await using var returning = await ConnectAsync(broker, Device, protocol, cleanStart: false, sessionExpiry: 3600);
        Assert.True(returning.ConnectResult.IsSessionPresent);
        Assert.Equal(["m1", "m2", "m3"], await returning.ReceivePayloadsAsync(3));
    }
}
