using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>A client library's view: the same paho-mqtt MQTT 5 checks (<c>Clients/mqtt5_interop_paho.py</c>, modelled
/// on paho.mqtt.testing's client_test5.py scenarios) run against mosquitto and the host in the same test; every check
/// mosquitto passes, the host must pass too.</summary>
public sealed class Mqtt5InteropTests
{
    static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    static async Task<string[]> RunChecksAsync(int port)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "mqtt5_interop_paho.py");
        var run = await ProcessRunner.RunAsync(ScriptTimeout, ExternalTools.SystemPython, script, "127.0.0.1", port.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length > 0, $"the paho checks printed nothing: {run.Errors}");
        return lines;
    }

    static IEnumerable<string> Passed(IEnumerable<string> lines) =>
        lines.Where(line => line.StartsWith("PASS ", StringComparison.Ordinal)).Select(line => line[5..]);

    [ToolFact(Tool.PahoMqtt | Tool.MosquittoBroker)]
    public async Task The_host_passes_every_paho_mqtt5_check_that_mosquitto_passes()
    {
        await using var reference = await MosquittoUpstream.StartAsync();
        await using var host = await Engines.StartAsync(Engines.Host);

        // Side by side: the checks mostly wait (expiry, delays), and each run uses its own topics and client IDs.
        var runs = await Task.WhenAll(RunChecksAsync(reference.Port), RunChecksAsync(host.Port));
        var (mosquitto, edgeBroker) = (runs[0], runs[1]);

        Assert.NotEmpty(Passed(mosquitto));
        var missing = Passed(mosquitto).Except(Passed(edgeBroker)).ToList();
        Assert.True(missing.Count == 0, $"mosquitto:\n{string.Join('\n', mosquitto)}\nEdgeBroker:\n{string.Join('\n', edgeBroker)}");
    }
}
