using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>The host's log as a collector reads it: <c>--log-format json</c> (one JSON object per line, an event id per
/// kind), no line per message at Information, and <c>-v</c> for per-message events. Host only, as a child process.</summary>
public sealed class HostLogTests
{
    [ToolFact(Tool.MosquittoClients)]
    public async Task Json_lines_carry_an_event_id_per_kind_and_information_has_no_line_per_message()
    {
        var port = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--in-memory", "--log-format", "json");
        await broker.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on mqtt://127.0.0.1:" + port);

        var publish = await ProcessRunner.RunAsync(HostProgram.Timeout, ExternalTools.MosquittoPub, "-p", port.ToString(),
            "-i", "GID_log@@@sensor", "-t", "readings", "-l");
        await Eventually.WaitUntilAsync(() => Events(broker).Any(e => EventId(e) == 1002), () => "no disconnect event: " + broker.Output);

        var events = Events(broker);
        var connect = Assert.Single(events, e => EventId(e) == 1001);
        Assert.Equal("GID_log@@@sensor", connect.GetProperty("State").GetProperty("ClientId").GetString());
        Assert.Equal("Information", connect.GetProperty("LogLevel").GetString());
        Assert.DoesNotContain(events, e => e.GetProperty("LogLevel").GetString() == "Debug");
        Assert.Equal(0, publish.ExitCode);
    }

    [ToolFact(Tool.MosquittoClients)]
    public async Task Verbose_logs_an_undeliverable_p2p_message_at_debug_with_its_own_event_id()
    {
        var port = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--in-memory", "--log-format", "json", "-v");
        await broker.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on mqtt://127.0.0.1:" + port);

        await ProcessRunner.RunAsync(HostProgram.Timeout, ExternalTools.MosquittoPub, "-p", port.ToString(),
            "-i", "GID_log@@@sender", "-t", "GID_log/p2p/GID_log@@@nobody", "-m", "hello");

        await Eventually.WaitUntilAsync(() => Events(broker).Any(e => EventId(e) == 1104), () => "no P2P undeliverable event: " + broker.Output);
        var undeliverable = Events(broker).First(e => EventId(e) == 1104);
        Assert.Equal("Debug", undeliverable.GetProperty("LogLevel").GetString());
        Assert.Equal("GID_log/p2p/GID_log@@@nobody", undeliverable.GetProperty("State").GetProperty("Topic").GetString());
    }

    [ToolFact(Tool.MosquittoClients)]
    public async Task An_access_rule_refusal_is_a_publish_refused_event()
    {
        var config = Path.Combine(Directory.CreateTempSubdirectory("edgebroker-rules-").FullName, "rules.json");
        await File.WriteAllTextAsync(config, """
            {"EdgeBroker":{"AccessKeys":[{"Id":"AK","Secret":"0123456789abcdefghij"}],
             "Security":{"AllowAnonymous":true,"GroupRules":{"GID_sensors":{"Publish":["sensors/#"],"Subscribe":["config/#"]}}}}}
            """);
        var port = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--in-memory", "--log-format", "json", "--config", config);
        await broker.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on mqtt://127.0.0.1:" + port);

        await ProcessRunner.RunAsync(HostProgram.Timeout, ExternalTools.MosquittoPub, "-p", port.ToString(),
            "-i", "GID_sensors@@@d1", "-q", "1", "-t", "alerts/fire", "-m", "x");

        await Eventually.WaitUntilAsync(() => Events(broker).Any(e => EventId(e) == 1101), () => "no PUBLISH refused event: " + broker.Output);
        var refused = Events(broker).First(e => EventId(e) == 1101);
        Assert.Equal("Warning", refused.GetProperty("LogLevel").GetString());
        Assert.Contains("alerts/fire", refused.GetProperty("Message").GetString());
        Assert.DoesNotContain(Events(broker), e => EventId(e) == 0);
    }

    [Fact]
    public async Task An_uplink_state_change_has_its_own_event_id()
    {
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", "0", "--http-port", "0", "--in-memory",
            "--log-format", "json", "--uplink", "mqtt://127.0.0.1:" + FreePorts.Next(), "--uplink-forward", "data/#",
            "--uplink-client-id", "gw-log");

        await Eventually.WaitUntilAsync(() => Events(broker).Any(e => EventId(e) == 1301 && e.GetProperty("LogLevel").GetString() == "Warning"),
            () => "no uplink backing-off event: " + broker.Output);
        var backingOff = Events(broker).First(e => EventId(e) == 1301 && e.GetProperty("LogLevel").GetString() == "Warning");
        Assert.Equal("backing-off", backingOff.GetProperty("State").GetProperty("State").GetString());
    }

    [Fact]
    public async Task An_unknown_log_format_is_refused_with_exit_code_2()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--in-memory", "--log-format", "xml");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("edgebroker: --log-format is 'xml', not one of Text, Json", run.Errors);
    }

    /// <summary>Every line of standard output, each of which must be one JSON object.</summary>
    internal static List<JsonElement> Events(ProcessRunner broker) =>
        broker.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    internal static int EventId(JsonElement logEvent) => logEvent.GetProperty("EventId").GetInt32();
}
