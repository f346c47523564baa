using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Presence;

/// <summary>The README's presence walkthrough, run with the clients it names.</summary>
public sealed class PresenceMosquittoTests
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    [ToolTheory(Tool.MosquittoClients)]
    [MemberData(nameof(Engines.WithPresence), MemberType = typeof(Engines))]
    public async Task Mosquitto_sub_prints_a_devices_connect_disconnect_and_tcpclean(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var port = broker.Port.ToString();
        await using var application = ProcessRunner.Start(ExternalTools.MosquittoSub,
            "-h", broker.Host, "-p", port, "-t", "$SYS/presence/GID_sensors/+", "-v");
        await WaitUntilSubscribedAsync(broker, application);

        var device = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
            "-h", broker.Host, "-p", port, "-i", "GID_sensors@@@DEVICE_001", "-t", "GID_sensors/hello", "-m", "hi");

        Assert.Equal(0, device.ExitCode);
        await Eventually.WaitUntilAsync(() => LinesOf(application, "DEVICE_001").Count == 3,
            () => "mosquitto_sub did not print three events for the device: " + application.Output);
        var lines = LinesOf(application, "DEVICE_001");
        Assert.Equal(
            ["$SYS/presence/GID_sensors/connect", "$SYS/presence/GID_sensors/disconnect", "$SYS/presence/GID_sensors/tcpclean"],
            lines.Select(line => line.Split(' ')[0]));
        Assert.All(lines, line => Assert.Contains("\"clientId\":\"GID_sensors@@@DEVICE_001\"", line));
    }

    /// <summary>mosquitto_sub prints nothing once it has subscribed, so a probe device connects until its events show.</summary>
    static Task WaitUntilSubscribedAsync(RunningBroker broker, ProcessRunner subscriber) =>
        Eventually.WaitUntilAsync(
            async () =>
            {
                if (!subscriber.Output.Contains("GID_sensors@@@probe"))
                {
                    await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
                        "-h", broker.Host, "-p", broker.Port.ToString(), "-i", "GID_sensors@@@probe", "-t", "probe", "-m", "x");
                }

                return subscriber.Output.Contains("GID_sensors@@@probe");
            },
            () => "mosquitto_sub never printed the probe's events: " + subscriber.Output + subscriber.Errors);

    static List<string> LinesOf(ProcessRunner process, string text) =>
        process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(text, StringComparison.Ordinal))
            .ToList();
}
