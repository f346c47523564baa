using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Tls;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>The gateway program killed with SIGKILL while it drains a backlog, then started again on the same data.</summary>
public sealed class GatewayCrashTests : IDisposable
{
    readonly TestCertificates _certificates = new();
    readonly DirectoryInfo _gatewayData = Directory.CreateTempSubdirectory("edgebroker-gateway-");

    [Fact]
    public async Task Killed_while_draining_it_loses_nothing_keeps_the_order_and_the_upstream_delivers_each_once()
    {
        const int Count = 5_000;
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using (await EdgeBrokerUpstreamTests.CloudSubscriberAsync(upstream))
        {
        }

        var config = WriteConfig(upstream);
        var port = FreePorts.Next();
        var gateway = await StartGatewayAsync(port, config);
        await gateway.WaitForOutputAsync(HostProgram.Timeout, "Uplink cloud: connected");
        await upstream.StopAsync();
        await gateway.WaitForOutputAsync(HostProgram.Timeout, "Uplink cloud: backing-off");

        await using (var sensor = await TestClient.ConnectAsync(new ExternalBroker(port), "sensor", MqttProtocolVersion.V500))
        {
            for (var start = 0; start < Count; start += 100)
            {
                var window = Enumerable.Range(start, 100).Select(i => sensor.PublishAsync("data/seq", i.ToString())).ToList();
                Assert.All(await Task.WhenAll(window), ack => Assert.True(ack.IsSuccess, ack.ReasonCode.ToString()));
            }
        }

        await upstream.RestartAsync();
        await using var cloud = await EdgeBrokerUpstreamTests.CloudSubscriberAsync(upstream);

        // Kill the moment a tenth has arrived: reading the messages one by one, not in silence windows, in which a quiet
        // machine drains the whole backlog.
        var beforeCrash = new List<string>();
        while (beforeCrash.Count < Count / 10)
        {
            // The first may wait for a reconnect after backing off.
            beforeCrash.Add((await cloud.ReceiveAsync(TimeSpan.FromSeconds(beforeCrash.Count == 0 ? 60 : 5))).ConvertPayloadToString());
        }

        await gateway.DisposeAsync();
        beforeCrash.AddRange(await EdgeBrokerUpstreamTests.ReceiveAsync(cloud, Count, TestClient.SilenceWindow));
        Assert.True(beforeCrash.Count < Count, "the backlog drained before the kill; nothing was tested");

        await using var restarted = await StartGatewayAsync(port, config);
        var afterCrash = await EdgeBrokerUpstreamTests.ReceiveAsync(cloud, Count - beforeCrash.Count, TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), beforeCrash.Concat(afterCrash));
        await cloud.ExpectNothingAsync();
    }

    string WriteConfig(EdgeBrokerUpstream upstream)
    {
        var uplink = upstream.GatewaySettings()
            .Where(setting => setting.Key.StartsWith("EdgeBroker:Uplinks:0:", StringComparison.Ordinal))
            .ToDictionary(setting => setting.Key["EdgeBroker:Uplinks:0:".Length..], setting => (object?)setting.Value);
        uplink.Remove("Addresses:0");
        uplink["Addresses"] = new[] { upstream.TlsAddress };
        uplink["Forward"] = new[] { new { Filter = "data/#", Qos = 1 } };
        var path = Path.Combine(_gatewayData.FullName, "gateway.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { EdgeBroker = new { Uplinks = new[] { uplink } } }));
        return path;
    }

    async Task<ProcessRunner> StartGatewayAsync(int port, string config)
    {
        var process = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0",
            "--data-dir", Path.Combine(_gatewayData.FullName, "data"), "--config", config);
        await process.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on");
        return process;
    }

    public void Dispose()
    {
        _certificates.Dispose();
        _gatewayData.Delete(recursive: true);
    }
}
