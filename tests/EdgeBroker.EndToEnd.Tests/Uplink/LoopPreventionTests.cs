using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>Loops: refused in the configuration when origin marks cannot stop them, and none at run time.</summary>
public sealed class LoopPreventionTests
{
    [Fact]
    public async Task A_looping_configuration_is_refused_at_start_with_exit_code_2_naming_the_rules()
    {
        var config = Path.Combine(Path.GetTempPath(), $"edgebroker-loop-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            EdgeBroker = new
            {
                Uplinks = new object[]
                {
                    new { Name = "a", Addresses = new[] { "mqtt://cloud.example:1883" }, ClientId = "gw-a", Subscribe = new[] { new { Filter = "data/#" } } },
                    new { Name = "b", Addresses = new[] { "mqtt://cloud.example:1883" }, ClientId = "gw-b", Forward = new[] { new { Filter = "data/+/temp" } } },
                },
            },
        }));
        try
        {
            var (exitCode, _, errors) = await HostProcess.RunExpectingExitAsync("--config", config);

            Assert.Equal(2, exitCode);
            Assert.Contains("loop", errors);
            Assert.Contains("uplink 'a' rule 'subscribe data/#'", errors);
            Assert.Contains("uplink 'b' rule 'forward data/+/temp'", errors);
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task A_bad_rule_on_the_command_line_is_refused_with_exit_code_2_naming_it()
    {
        var (exitCode, _, errors) = await HostProcess.RunExpectingExitAsync(
            "--uplink", "mqtt://127.0.0.1:1", "--uplink-forward", "sensors/#/temp", "--uplink-client-id", "gw");

        Assert.Equal(2, exitCode);
        Assert.Contains("uplink 'cloud' rule 'forward sensors/#/temp': not a valid topic filter", errors);
    }

    [Fact]
    public async Task The_minimal_command_line_form_starts_an_uplink()
    {
        await using var broker = await HostProcess.StartAsync(
            "--uplink", $"mqtt://127.0.0.1:{FreePorts.Next()}", "--uplink-forward", "sensors/#", "--uplink-subscribe", "cmd/#",
            "--uplink-client-id", "gateway-7");

        await broker.WaitForOutputAsync("Uplink cloud: mqtt://127.0.0.1:");
        Assert.Contains("as gateway-7, 1 forward and 1 subscribe rule(s)", broker.Output);
        await broker.WaitForOutputAsync("Uplink cloud: backing-off");
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Two_gateways_bridged_both_ways_with_overlapping_rules_deliver_once_and_nothing_circulates()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        Dictionary<string, string?> BothWays(string protocol)
        {
            var settings = Gateway.Settings(upstream.Address);
            Gateway.Forward(settings, "data/#");
            Gateway.Subscribe(settings, "data/#");
            return Gateway.With(settings, "Protocol", protocol);
        }

        // One speaks MQTT 5 upstream (No Local), the other 3.1.1 (the upstream echoes its own messages back to it).
        await using var first = await Gateway.StartAsync(BothWays("V500"));
        await using var second = await Gateway.StartAsync(BothWays("V311"));
        await first.WaitForStateAsync("connected");
        await second.WaitForStateAsync("connected");
        await using var cloud = await TestClient.ConnectAsync(MosquittoUpstreamTests.Upstream(upstream), "cloud-app");
        await cloud.SubscribeAsync("data/#");
        await using var onFirst = await TestClient.ConnectAsync(first.Broker, "listener-1");
        await onFirst.SubscribeAsync("data/#");
        await using var onSecond = await TestClient.ConnectAsync(second.Broker, "listener-2");
        await onSecond.SubscribeAsync("data/#");
        await using var sensor = await TestClient.ConnectAsync(first.Broker, "sensor", MqttProtocolVersion.V500);

        // Both gateways' upstream subscriptions are in once a probe from the cloud reaches both.
        await Eventually.WaitUntilAsync(async () =>
        {
            await cloud.PublishAsync("data/probe", "probe");
            await Task.Delay(200);
            return (await onFirst.ReceiveAllAsync()).Count > 0 & (await onSecond.ReceiveAllAsync()).Count > 0;
        }, () => "the gateways' subscriptions did not come up");
        await Task.Delay(500);
        await cloud.ReceiveAllAsync();
        await onFirst.ReceiveAllAsync();
        await onSecond.ReceiveAllAsync();

        await sensor.PublishAsync("data/t", "once");
        await Task.Delay(1000);

        Assert.Equal(new[] { "once" }, (await cloud.ReceiveAllAsync()).Select(Payload));
        Assert.Equal(new[] { "once" }, (await onFirst.ReceiveAllAsync()).Select(Payload));
        Assert.Equal(new[] { "once" }, (await onSecond.ReceiveAllAsync()).Select(Payload));
        Assert.Equal(1, (await first.StatusAsync()).GetProperty("sent").GetInt64());
        Assert.Equal(0, (await second.StatusAsync()).GetProperty("sent").GetInt64());
    }

    static string Payload(MQTTnet.MqttApplicationMessage message) => System.Text.Encoding.UTF8.GetString(message.Payload.FirstSpan);
}
