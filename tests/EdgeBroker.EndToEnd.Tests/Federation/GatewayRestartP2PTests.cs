using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using MQTTnet.Formatter;
using static EdgeBroker.EndToEnd.Tests.Federation.FederatedTiers;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// Retained routes through a real mosquitto: gateway A is restarted while mosquitto is down, so it knows no routes when
/// a sender's P2P messages are queued; they are addressed when they leave the queue, once the routes arrived again
/// (docs/federation.md, "Through any upstream"). The reviewer's scenario: act9 away from gateway B with a persistent
/// session, mosquitto stopped, A killed with SIGKILL and started again, 50 QoS 1 messages to act9 on A, mosquitto back.
/// </summary>
public sealed class GatewayRestartP2PTests : IDisposable
{
    const int Count = 50;
    const string Target = "act9";

    readonly DirectoryInfo _dataA = Directory.CreateTempSubdirectory("edgebroker-gw-a-");

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_host_gateway_killed_while_the_upstream_is_down_delivers_every_acknowledged_P2P_message_to_the_target_on_B()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gatewayB = await AwayTargetOnBAsync(upstream);
        var config = HostConfig(upstream);
        var portA = FreePorts.Next();
        var gatewayA = await StartHostAAsync(portA, config);
        try
        {
            await gatewayA.WaitForOutputAsync(HostProgram.Timeout, "Uplink cloud: connected");
            await upstream.StopAsync();
            using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", gatewayA.ProcessId.ToString()]))
            {
                await kill.WaitForExitAsync();
            }

            await gatewayA.WaitForExitAsync(HostProgram.Timeout);
            await gatewayA.DisposeAsync();
            gatewayA = await StartHostAAsync(portA, config);

            await SendAsync(new ExternalBroker(portA), MqttProtocolVersion.V500);
            await upstream.RestartAsync();
            await AssertTargetGetsAllAsync(gatewayB);
            Assert.DoesNotContain("went up plainly", gatewayA.Output);
        }
        finally
        {
            await gatewayA.DisposeAsync();
        }
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task An_emulator_gateway_restarted_while_the_upstream_is_down_delivers_every_acknowledged_P2P_message_to_the_target_on_B()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gatewayB = await AwayTargetOnBAsync(upstream);
        var settingsA = RetainedRoutes(Engines.Emulator, upstream, GatewayAId);
        settingsA[HostEngine.DataDirKey] = _dataA.FullName;
        var gatewayA = EmulatorEngine.Start(settingsA);
        try
        {
            await Eventually.WaitUntilAsync(() => gatewayA.Gateway.Core.PeerGatewayOf(Target) == GatewayBId, () => "A did not learn B's route");
            await upstream.StopAsync();
            await gatewayA.DisposeAsync();
            gatewayA = EmulatorEngine.Start(settingsA);
            Assert.Null(gatewayA.Core.PeerGatewayOf(Target));

            await SendAsync(gatewayA, MqttProtocolVersion.V311);
            await upstream.RestartAsync();
            await AssertTargetGetsAllAsync(gatewayB);
            Assert.Equal(0, gatewayA.Core.UplinkAt(0).P2PUnroutedCount);
        }
        finally
        {
            await gatewayA.DisposeAsync();
        }
    }

    /// <summary>Gateway B (host) on <paramref name="upstream"/> with <see cref="Target"/> away with a persistent session,
    /// its retained route on mosquitto saying so (<c>0</c>).</summary>
    static async Task<RunningBroker> AwayTargetOnBAsync(MosquittoUpstream upstream)
    {
        var gatewayB = await new HostEngine().StartAsync(RetainedRoutes(Engines.Host, upstream, GatewayBId));
        await using (await TestClient.ConnectAsync(gatewayB, Target, cleanStart: false))
        {
        }

        await Eventually.WaitUntilAsync(async () => await RetainedAsync(upstream, $"eb/routes/{GatewayBId}/{Target}") == "0",
            () => "gateway B's route to the target is not on mosquitto");
        return gatewayB;
    }

    /// <summary>A sender on <paramref name="gatewayA"/> sends <see cref="Count"/> QoS 1 messages to the target: each is
    /// acknowledged (queued durably for the uplink).</summary>
    static async Task SendAsync(RunningBroker gatewayA, MqttProtocolVersion protocol)
    {
        await using var sender = await TestClient.ConnectAsync(gatewayA, "sender", protocol);
        for (var i = 1; i <= Count; i++)
        {
            var ack = await sender.PublishAsync(Address(Target), i.ToString());
            Assert.True(ack.IsSuccess, $"message {i}: {ack.ReasonCode}");
        }
    }

    /// <summary>Every message reaches gateway B, kept for the target's session, and the target receives them once, in
    /// order, when it reconnects.</summary>
    static async Task AssertTargetGetsAllAsync(RunningBroker gatewayB)
    {
        await Eventually.WaitUntilAsync(() => gatewayB.Core!.OfflineQueueDepth() == Count,
            () => $"gateway B keeps {gatewayB.Core!.OfflineQueueDepth()} of {Count} messages for {Target}", TimeSpan.FromSeconds(15));
        await using var target = await TestClient.ConnectAsync(gatewayB, Target, cleanStart: false);
        var received = new List<string>();
        while (received.Count < Count)
        {
            var message = await target.ReceiveAsync();
            Assert.Equal(Address(Target), message.Topic);
            received.Add(message.ConvertPayloadToString());
        }

        Assert.Equal(Enumerable.Range(1, Count).Select(i => i.ToString()), received);
        await target.ExpectNothingAsync();
    }

    /// <summary>Gateway A's configuration: its uplink to mosquitto with P2P and retained routes, a short backoff.</summary>
    string HostConfig(MosquittoUpstream upstream)
    {
        var uplink = new Dictionary<string, object?>
        {
            ["Name"] = "cloud",
            ["Addresses"] = new[] { upstream.Address },
            ["ClientId"] = GatewayAId,
            ["P2P"] = true,
            ["P2PRoutes"] = "Retained",
            ["BackoffMinMs"] = 50,
            ["BackoffMaxMs"] = 500,
        };
        var path = Path.Combine(_dataA.FullName, "gateway.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { EdgeBroker = new { Uplinks = new[] { uplink } } }));
        return path;
    }

    async Task<ProcessRunner> StartHostAAsync(int port, string config)
    {
        var process = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--data-dir", Path.Combine(_dataA.FullName, "data"), "--config", config);
        await process.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on");
        return process;
    }

    public void Dispose() => _dataA.Delete(recursive: true);
}
