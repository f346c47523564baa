using System.Collections.Concurrent;
using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary><c>GET /route/clientId/get</c>: how many live TCP connections a client ID has, over real HTTP while real
/// clients come and go. Host only.</summary>
public sealed class ClientStatusTests
{
    const string Device = "GID_sensors@@@dev1";

    [Fact]
    public async Task Online_follows_the_clients_connection()
    {
        await using var api = await ApiBroker.StartAsync();
        Assert.Equal(0, await api.OnlineAsync(Device));

        await using (var device = await TestClient.ConnectAsync(api.Broker, Device))
        {
            var answer = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = Device });
            answer.AssertOk();
            Assert.Equal(1, answer.Int("online"));
            Assert.Equal(["code", "success", "online", "message"], answer.Body.EnumerateObject().Select(p => p.Name));
        }

        await api.WaitForOnlineAsync(Device, 0);
    }

    [Fact]
    public async Task A_dropped_connection_is_offline_once_the_broker_notices()
    {
        await using var api = await ApiBroker.StartAsync();
        var device = await RawMqttConnection.OpenAsync(api.Broker);
        Assert.Equal(0, await device.ConnectAsync(Device));
        Assert.Equal(1, await api.OnlineAsync(Device));

        device.Abort();

        await api.WaitForOnlineAsync(Device, 0);
    }

    [Fact]
    public async Task Online_stays_one_across_a_takeover_and_never_exceeds_two()
    {
        await using var api = await ApiBroker.StartAsync();
        var samples = new ConcurrentQueue<int>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                samples.Enqueue(await api.OnlineAsync(Device));
            }
        });

        await using var first = await RawMqttConnection.OpenAsync(api.Broker);
        Assert.Equal(0, await first.ConnectAsync(Device));
        await using var second = await RawMqttConnection.OpenAsync(api.Broker);
        Assert.Equal(0, await second.ConnectAsync(Device));
        Assert.True(await first.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));

        // The broker closes the old socket first and ends its connection once that connection's reader sees the close
        // (docs/presence.md: 2 for the moment of a takeover), so the client may see the close a moment before online
        // drops back to 1.
        await api.WaitForOnlineAsync(Device, 1);

        // A loaded machine may sample only a few times; let the sampler start at least one query while the count is 1.
        var seen = samples.Count;
        await Eventually.WaitUntilAsync(() => samples.Count >= seen + 2, () => "two more online-status samples");

        await second.SendAsync(0xE0, []);
        await api.WaitForOnlineAsync(Device, 0);
        await sampling.CancelAsync();
        await sampler;

        Assert.All(samples, online => Assert.InRange(online, 0, 2));
        Assert.Contains(1, samples);
    }

    [Fact]
    public async Task A_key_limited_to_some_groups_is_http_403_code_3_for_other_groups()
    {
        await using var api = await ApiBroker.StartAsync();

        var otherGroup = await api.Sensors.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = "GID_lights@@@lamp" });
        var defaultGroup = await api.Sensors.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = "lamp" });
        var ownGroup = await api.Sensors.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = Device });

        otherGroup.AssertRefused(HttpStatusCode.Forbidden, 3);
        defaultGroup.AssertRefused(HttpStatusCode.Forbidden, 3);
        ownGroup.AssertOk();
    }
}
