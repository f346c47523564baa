using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>The MQTT 5 limits seen by paho-mqtt (Debian's, from /usr/bin/python3): CONNACK's Receive Maximum, Topic
/// Alias Maximum, Maximum Packet Size and Server Keep Alive; topic aliases towards a client that allows them; a message
/// larger than the client's maximum not delivered while the connection stays.</summary>
public sealed class PahoMqtt5LimitsTests
{
    [ToolTheory(Tool.PahoMqtt)]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Paho_sees_the_brokers_limits_and_gets_aliases_and_nothing_larger_than_it_takes(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?> { ["EdgeBroker:Connections:MaxKeepAliveSeconds"] = "60" });
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "mqtt5_limits_paho.py");

        var run = await ProcessRunner.RunAsync(TimeSpan.FromSeconds(30), ExternalTools.SystemPython, script, broker.Host, broker.Port.ToString());

        Assert.True(run.ExitCode == 0, $"paho script failed: {run.Output} {run.Errors}");
        Assert.Equal(
            [
                "ReceiveMaximum 100",
                "TopicAliasMaximum 10",
                "MaximumPacketSize 1048576",
                "ServerKeepAlive 60",
                "received 'paho/limits' 1 one",
                "received '' 1 two",
                "received '' 1 three",
                "connected True",
            ],
            run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
