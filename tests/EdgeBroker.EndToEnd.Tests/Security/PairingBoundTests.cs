using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// The security review's pairing flood, shortened: while the operator's pairing window is open, one peer connects with
/// <c>Pair|{group}</c> and a new device ID each time. Before, every ID was paired (600 in one 120 s window on the
/// emulator, filling its flash store for good, so no QoS 1 message was acknowledged any more). Now a window pairs the
/// number it was opened for (one by default), the broker keeps at most <c>MaxPairedDevices</c>, each further attempt gets
/// CONNACK 0x05 as a closed window does, logged once, and other clients' QoS 1 messages are acknowledged and kept.
/// Both engines, real sockets.
/// </summary>
public sealed class PairingBoundTests
{
    const string Group = "GID_sensors";
    const int Accepted = 0;
    const int NotAuthorized = 5;
    const string WindowFull = "has paired the 1 device(s) it was opened for";

    [Fact]
    public async Task Host_a_window_pairs_one_device_of_a_flood_and_max_paired_devices_bounds_a_batch()
    {
        var dataDir = Directory.CreateTempSubdirectory("edgebroker-pairing-bound-");
        try
        {
            await using var api = await ApiBroker.StartAsync(dataDir, new Dictionary<string, string?> { ["EdgeBroker:Security:MaxPairedDevices"] = "3" });
            (await api.AllGroups.PostAsync(AdminPaths.PairingOpen, PairingApiTests.Group(Group))).AssertOk();

            var flood = await FloodAsync(api.Broker, "flood", 20);

            Assert.Equal([Accepted, .. Enumerable.Repeat(NotAuthorized, 19)], flood);
            Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").EnumerateArray());
            await Eventually.WaitUntilAsync(() => api.Broker.LoggedProblems.Any(line => line.Contains(WindowFull)), () => "the refusal was not logged");

            // A batch the operator asked for pairs up to the broker's bound (3 in all here), no further.
            var batch = await api.AllGroups.PostAsync(AdminPaths.PairingOpen, new Dictionary<string, string> { ["group"] = Group, ["devices"] = "3" });
            batch.AssertOk();
            Assert.Equal(3, batch.Int("devices"));
            var more = await FloodAsync(api.Broker, "batch", 20);
            var listed = await api.AllGroups.GetAsync(AdminPaths.Pairing, PairingApiTests.Group(Group));

            Assert.Equal([Accepted, Accepted, .. Enumerable.Repeat(NotAuthorized, 18)], more);
            Assert.Equal(3, (await api.AllGroups.GetAsync(AdminPaths.Devices)).Body.GetProperty("devices").GetArrayLength());
            var window = Assert.Single(listed.Body.GetProperty("windows").EnumerateArray());
            Assert.Equal((3, 2), (window.GetProperty("devices").GetInt32(), window.GetProperty("paired").GetInt32()));
            Assert.Single(api.Broker.LoggedProblems, line => line.Contains(WindowFull));
            Assert.DoesNotContain(api.Broker.LoggedProblems, line => line.Contains("3 devices are paired"));

            await AssertOtherClientsAreServedAsync(api.Broker);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Host_devices_must_be_a_number_from_1_to_max_paired_devices()
    {
        await using var api = await ApiBroker.StartAsync(more: new Dictionary<string, string?> { ["EdgeBroker:Security:MaxPairedDevices"] = "10" });

        var answers = new[] { "0", "11", "-1", "two" }.Select(devices =>
            api.AllGroups.PostAsync(AdminPaths.PairingOpen, new Dictionary<string, string> { ["group"] = Group, ["devices"] = devices }));

        foreach (var answer in await Task.WhenAll(answers))
        {
            answer.AssertRefused(HttpStatusCode.BadRequest, 1);
            Assert.Contains("devices must be a number from 1 to 10", answer.Body.GetProperty("message").GetString());
        }

        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
    }

    [Fact]
    public async Task Emulator_a_button_press_pairs_one_device_of_a_flood_and_the_store_keeps_serving_qos_1()
    {
        await using var broker = EmulatorEngine.Start(new Dictionary<string, string?> { ["pairing_group"] = Group, ["max_paired_devices"] = "2" });
        broker.Gateway.Pairing.Press();

        var flood = await FloodAsync(broker, "flood", 20);

        Assert.Equal([Accepted, .. Enumerable.Repeat(NotAuthorized, 19)], flood);
        Assert.Single(broker.Gateway.Relay.Security.ListDevices());
        Assert.Single(broker.LoggedProblems, line => line.Contains(WindowFull));

        // A second press pairs one more; a third finds the gateway's bound (max_paired_devices = 2).
        broker.Gateway.Pairing.Press();
        Assert.Equal([Accepted, NotAuthorized], await FloodAsync(broker, "second", 2));
        broker.Gateway.Pairing.Press();
        Assert.Equal([NotAuthorized, NotAuthorized], await FloodAsync(broker, "third", 2));
        Assert.Equal(2, broker.Gateway.Relay.Security.ListDevices().Count);

        await AssertOtherClientsAreServedAsync(broker);
    }

    /// <summary>The way back for a gateway whose store paired devices filled before these bounds: it has no device
    /// administration, so <c>forget_paired_devices = 1</c> in edgebroker.conf forgets them at the next start.</summary>
    [Fact]
    public async Task Emulator_forget_paired_devices_forgets_them_at_start_and_keeps_the_rest_of_the_store()
    {
        var dataDir = Directory.CreateTempSubdirectory("edgebroker-forget-paired-");
        try
        {
            var settings = new Dictionary<string, string?> { [HostEngine.DataDirKey] = dataDir.FullName, ["pairing_group"] = Group };
            await using (var broker = EmulatorEngine.Start(settings))
            {
                broker.Gateway.Pairing.Press();
                Assert.Equal([Accepted], await FloodAsync(broker, "paired", 1));
                await using var away = await TestClient.ConnectAsync(broker, "GID_app@@@away", cleanStart: false);
                await away.SubscribeAsync("plant/#");
            }

            settings["forget_paired_devices"] = "1";
            await using var restarted = EmulatorEngine.Start(settings);

            Assert.Empty(restarted.Gateway.Relay.Security.ListDevices());
            Assert.Contains(restarted.LoggedProblems, line => line.StartsWith("Forgot 1 paired devices (forget_paired_devices = 1)", StringComparison.Ordinal));
            await using var back = await TestClient.ConnectAsync(restarted, "GID_app@@@away", cleanStart: false);
            Assert.True(back.ConnectResult.IsSessionPresent);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    /// <summary>Connects <paramref name="attempts"/> times as <c>Pair|GID_sensors</c>, each with a new device ID, one
    /// connection after the other as the review's script did, and returns the CONNACK codes.</summary>
    static async Task<List<int>> FloodAsync(RunningBroker broker, string prefix, int attempts)
    {
        var codes = new List<int>();
        for (var i = 0; i < attempts; i++)
        {
            await using var connection = await RawMqttConnection.OpenAsync(broker);
            codes.Add(await connection.ConnectAsync($"{Group}@@@{prefix}{i:D6}", userName: "Pair|" + Group, password: ""));
        }

        return codes;
    }

    /// <summary>What the flood took from everyone before: QoS 1 acknowledgements, messages kept for an away session, a
    /// retained message for a new subscriber.</summary>
    static async Task AssertOtherClientsAreServedAsync(RunningBroker broker)
    {
        await using (var away = await TestClient.ConnectAsync(broker, "GID_app@@@away", cleanStart: false))
        {
            await away.SubscribeAsync("plant/#");
        }

        await using (var publisher = await TestClient.ConnectAsync(broker, "GID_app@@@publisher"))
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.PublishAsync("plant/line", "m" + i)).ReasonCode);
            }

            Assert.Equal(MqttClientPublishReasonCode.Success, (await publisher.PublishAsync("plant/state", "running", retain: true)).ReasonCode);
        }

        await using var back = await TestClient.ConnectAsync(broker, "GID_app@@@away", cleanStart: false);
        Assert.Equal([.. Enumerable.Range(0, 10).Select(i => "m" + i), "running"], await back.ReceivePayloadsAsync(11));
        await using var late = await TestClient.ConnectAsync(broker, "GID_app@@@late");
        await late.SubscribeAsync("plant/state");
        Assert.Equal("running", (await late.ReceiveAsync()).ConvertPayloadToString());
    }
}
