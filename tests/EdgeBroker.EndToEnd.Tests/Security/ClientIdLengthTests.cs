using EdgeBroker.Core.Security;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>A client ID longer than the broker keeps (<c>Security:MaxClientIdLength</c>, <c>max_client_id_length</c> on
/// the device; 256 by default) is refused with the protocol's "client identifier not valid", logged with its start and
/// length only, and costs the live connections nothing.</summary>
public sealed class ClientIdLengthTests
{
    const string MaxClientIdLength = "EdgeBroker:Security:MaxClientIdLength";

    public static TheoryData<string, MqttProtocolVersion> EnginesAndProtocols()
    {
        var cases = new TheoryData<string, MqttProtocolVersion>();
        foreach (var engine in Engines.Names)
        {
            cases.Add(engine, MqttProtocolVersion.V311);
        }

        foreach (var engine in Engines.WithMqtt5)
        {
            cases.Add(engine, MqttProtocolVersion.V500);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(EnginesAndProtocols))]
    public async Task An_id_over_the_default_limit_is_refused_and_one_at_it_accepted(string engine, MqttProtocolVersion protocol)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var live = await TestClient.ConnectAsync(broker, "live");
        var longest = "GID_sensors@@@" + new string('d', SecurityOptions.DefaultMaxClientIdLength - 14);

        await using var refused = await TestClient.ConnectAsync(broker, longest + "x", protocol);
        await using var accepted = await TestClient.ConnectAsync(broker, longest, protocol);

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, refused.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, accepted.ConnectResult.ResultCode);
        await accepted.PublishAsync("app/p2p/live", "still served");
        Assert.Equal("still served", (await live.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task The_limit_is_a_setting_and_the_refusal_log_shows_the_ids_start_and_length(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { [MaxClientIdLength] = "30" });
        var tooLong = "GID_sensors@@@" + new string('d', 986);

        await using var refused = await TestClient.ConnectAsync(broker, tooLong);
        await using var accepted = await TestClient.ConnectAsync(broker, "GID_sensors@@@" + new string('d', 16));

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, refused.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, accepted.ConnectResult.ResultCode);
        static bool Refusal(string line) => line.Contains("1000 characters long", StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(Refusal), () => "the refusal was not logged");
        var line = Assert.Single(broker.LoggedProblems, Refusal);
        Assert.Contains("at most 30 are accepted", line);
        Assert.Contains(tooLong[..64] + "... (1000 characters)", line);
        Assert.DoesNotContain(tooLong[..65], line);
    }
}
