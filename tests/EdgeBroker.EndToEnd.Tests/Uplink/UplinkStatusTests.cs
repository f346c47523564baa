using System.Buffers;
using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Security;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>The uplink's state where operators look: $SYS (retained, changes only), the CLI, the HTTP API.</summary>
public sealed class UplinkStatusTests
{
    const string Monitor = "GID_app@@@monitor";

    [ToolFact(Tool.MosquittoBroker)]
    public async Task The_state_is_published_retained_on_SYS_and_printed_by_the_CLI()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        var settings = Gateway.Forward(Gateway.Settings(upstream.Address), "data/#");
        settings["EdgeBroker:Security:SysSubscribers:0"] = Monitor;
        await using var gateway = await Gateway.StartAsync(settings);
        await gateway.WaitForStateAsync("connected");

        // A monitor subscribing later still gets the current state: it is retained.
        await using var monitor = await TestClient.ConnectAsync(gateway.Broker, Monitor, configure: options =>
            options.WithCredentials($"Signature|{Gateway.Key}|edgebroker", SecureBroker.SignaturePassword(Gateway.Secret, Monitor)));
        await monitor.SubscribeAsync("$SYS/uplink/+/state");
        var retained = await monitor.ReceiveAsync();
        Assert.Equal("$SYS/uplink/cloud/state", retained.Topic);
        Assert.True(retained.Retain);
        using (var state = JsonDocument.Parse(retained.Payload.ToArray()))
        {
            Assert.Equal("connected", state.RootElement.GetProperty("state").GetString());
            Assert.Equal(upstream.Address, state.RootElement.GetProperty("address").GetString());
        }

        await upstream.StopAsync();
        using (var change = JsonDocument.Parse((await monitor.ReceiveAsync()).Payload.ToArray()))
        {
            Assert.Equal("backing-off", change.RootElement.GetProperty("state").GetString());
            // mosquitto closes its connections without a DISCONNECT when it stops: not a normal disconnection.
            Assert.Equal("the upstream closed the connection", change.RootElement.GetProperty("lastError").GetString());
        }

        var (exitCode, output, errors) = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "uplink", "status",
            "--url", gateway.Broker.HttpBaseAddress!.ToString(), "--access-key", $"{Gateway.Key}:{Gateway.Secret}");
        Assert.True(exitCode == 0, errors);
        using var printed = JsonDocument.Parse(output);
        var uplink = printed.RootElement.EnumerateArray().Single();
        foreach (var field in new[] { "name", "state", "address", "queued", "sent", "acknowledged", "dropped", "lastError" })
        {
            Assert.True(uplink.TryGetProperty(field, out _), $"{field} missing from {output}");
        }

        Assert.Equal("cloud", uplink.GetProperty("name").GetString());
    }
}
