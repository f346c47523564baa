using EdgeBroker.Core.Uplink;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>A fault of the gateway's own in the host's uplink (here: the core's state callback throws as the uplink
/// reconnects) is logged once and handled as a lost connection: the uplink reconnects and delivers what was queued.</summary>
public sealed class UplinkFaultTests
{
    const string Injected = "injected uplink fault";

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_fault_while_reconnecting_is_logged_once_and_the_uplink_carries_on()
    {
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(Gateway.Settings(upstream.Address), "data/#"));
        await gateway.WaitForStateAsync("connected");

        var uplink = gateway.Broker.Core!.UplinkAt(0);
        var reportState = uplink.StateChanged;
        int armed = 1;
        uplink.StateChanged = (changed, status) =>
        {
            if (status.State == UplinkState.Connected && Interlocked.Exchange(ref armed, 0) == 1)
            {
                throw new InvalidOperationException(Injected);
            }

            reportState(changed, status);
        };

        await upstream.StopAsync();
        await gateway.WaitForStateAsync("backing-off");
        await upstream.RestartAsync();
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor");

        await using var cloud = await TestClient.ConnectAsync(MosquittoUpstreamTests.Upstream(upstream), "cloud-app");
        await cloud.SubscribeAsync("data/#");
        await Eventually.WaitUntilAsync(async () =>
        {
            await sensor.PublishAsync("data/probe", "probe");
            return (await cloud.ReceiveAllAsync()).Count > 0;
        }, () => "nothing arrived upstream after the fault");
        Assert.Equal(0, Volatile.Read(ref armed));

        // Logged once as an error with the exception; the state change it caused names it too, as the last error.
        Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains(typeof(InvalidOperationException).FullName + ": " + Injected));
    }
}
