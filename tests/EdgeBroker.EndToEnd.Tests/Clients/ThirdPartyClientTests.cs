using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Clients;

/// <summary>The README's P2P walkthrough, run with the clients it names: mosquitto_sub/mosquitto_pub and paho-mqtt.</summary>
public sealed class ThirdPartyClientTests
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    [ToolTheory(Tool.MosquittoClients)]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Mosquitto_walkthrough_delivers_to_the_device_only(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var port = broker.Port.ToString();
        await using var device = ProcessRunner.Start(ExternalTools.MosquittoSub,
            "-h", broker.Host, "-p", port, "-i", "GID_sensors@@@DEVICE_001", "-t", "GID_sensors/config", "-v", "-C", "1");
        await using var spy = ProcessRunner.Start(ExternalTools.MosquittoSub,
            "-h", broker.Host, "-p", port, "-i", "spy", "-t", "#", "-v", "-W", "3");
        await WaitUntilConnectedAsync(broker, "GID_sensors@@@DEVICE_001");
        await WaitUntilSubscribedAsync(broker, spy);

        var publish = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
            "-h", broker.Host, "-p", port, "-i", "GID_app@@@backend", "-q", "1", "-t", "app/p2p/GID_sensors@@@DEVICE_001", "-m", "open valve 3");

        Assert.Equal(0, publish.ExitCode);
        Assert.Equal(0, await device.WaitForExitAsync(ToolTimeout));
        Assert.Equal("app/p2p/GID_sensors@@@DEVICE_001 open valve 3", device.Output.Trim());
        await spy.WaitForExitAsync(ToolTimeout);
        Assert.All(spy.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            line => Assert.Equal(ProbeLine, line));
    }

    [ToolTheory(Tool.MosquittoClients)]
    [MemberData(nameof(Engines.WithMqtt5), MemberType = typeof(Engines))]
    public async Task Mosquitto_pub_over_mqtt5_hears_no_matching_subscribers_for_an_unknown_receiver(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);

        var publish = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
            "-h", broker.Host, "-p", broker.Port.ToString(), "-V", "mqttv5", "-d", "-q", "1", "-t", "app/p2p/GID_x@@@nobody", "-m", "x");

        Assert.Contains("received PUBACK (Mid: 1, RC:16)", publish.Output);
    }

    [ToolTheory(Tool.PahoMqtt)]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Paho_device_receives_a_p2p_message_in_its_default_handler(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "p2p_paho.py");

        var run = await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.SystemPython, script, broker.Host, broker.Port.ToString());

        Assert.True(run.ExitCode == 0, $"paho script failed: {run.Output} {run.Errors}");
        Assert.Equal("app/p2p/GID_sensors@@@DEVICE_001 open valve 3", run.Output.Trim());
    }

    const string ProbeLine = "probe/ready yes";

    /// <summary>Publishes an ordinary message until the '#' subscriber has printed it, so its subscription is known to
    /// be in place before the private message is sent.</summary>
    static Task WaitUntilSubscribedAsync(RunningBroker broker, ProcessRunner subscriber) =>
        Eventually.WaitUntilAsync(
            async () =>
            {
                if (subscriber.Output.Contains(ProbeLine))
                {
                    return true;
                }

                await ProcessRunner.RunAsync(ToolTimeout, ExternalTools.MosquittoPub,
                    "-h", broker.Host, "-p", broker.Port.ToString(), "-t", "probe/ready", "-m", "yes");
                return false;
            },
            () => "the '#' subscriber never received the probe",
            ToolTimeout);

    /// <summary>mosquitto_sub prints nothing when it is connected, so poll the broker for the sessions instead of sleeping.</summary>
    static Task WaitUntilConnectedAsync(RunningBroker broker, params string[] clientIds) =>
        Eventually.WaitUntilAsync(() => clientIds.All(broker.IsConnected),
            () => $"{string.Join(", ", clientIds)} did not connect in time", ToolTimeout);
}
