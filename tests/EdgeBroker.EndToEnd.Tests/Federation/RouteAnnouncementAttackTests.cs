using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Security;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// The security reviewer's F1 (s24) on both engines, configured as docs/security.md shows (<see cref="SecureBroker"/>:
/// AK_APP for every group, AK_SENSORS for GID_sensors only): a group-limited sensor's route announcements took an away
/// application client's P2P messages and filled the route table for good. Real MQTT 3.1.1 clients over sockets.
/// </summary>
public sealed class RouteAnnouncementAttackTests
{
    const string Victim = SecureBroker.Backend;
    const string Attacker = "GID_sensors@@@evil";
    const string Sender = "GID_app@@@sender";
    const string FillerGateway = "GID_app@@@filler-gw";
    const string RealGateway = "GID_app@@@real-gw";

    /// <summary>The route table's bound on both engines: the device's <c>max_clients</c>.</summary>
    const int TableSize = 12;

    /// <summary>Each engine as the reviewer configured it (no P2P gateway listed), and with the sensors' group listed as
    /// gateways: its key serves GID_sensors only, so it still may not announce a GID_app client.</summary>
    public static TheoryData<string, string?> EnginesAndListings => new()
    {
        { Engines.Host, null }, { Engines.Emulator, null }, { Engines.Host, "GID_sensors" }, { Engines.Emulator, "GID_sensors" },
    };

    [Theory]
    [MemberData(nameof(EnginesAndListings))]
    public async Task A_group_limited_sensor_announcing_an_away_application_client_gets_none_of_its_messages(string engine, string? listed)
    {
        await using var broker = await StartAsync(engine, listed is null ? [] : [listed]);
        await using (var victim = await SecureBroker.ConnectAsync(broker, Victim, cleanStart: false))
        {
            await victim.SubscribeAsync("app/x");
        }

        await using var attacker = await SecureBroker.ConnectAsync(broker, Attacker);
        await attacker.PublishAsync("$eb/route/" + Victim, "1", MqttQualityOfServiceLevel.AtMostOnce);
        await using var sender = await SecureBroker.ConnectAsync(broker, Sender);
        await sender.PublishAsync("app/p2p/" + Victim, "SECRET-COMMAND-for-backend");

        await attacker.ExpectNothingAsync();
        Assert.Null(broker.Core!.FederatedGatewayOf(Victim));
        await using var back = await SecureBroker.ConnectAsync(broker, Victim, cleanStart: false);
        Assert.Equal("SECRET-COMMAND-for-backend", (await back.ReceiveAsync()).ConvertPayloadToString());
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task Made_up_routes_are_refused_a_listed_gateway_gets_its_share_of_a_full_table_and_routes_go_with_their_gateways_session(string engine)
    {
        await using var broker = await StartAsync(engine, [FillerGateway, RealGateway]);
        await using var attacker = await SecureBroker.ConnectAsync(broker, Attacker);
        await AnnounceAsync(attacker, "GID_sensors@@@bogus", TableSize);
        await using var sender = await SecureBroker.ConnectAsync(broker, Sender);
        Assert.Null(broker.Core!.FederatedGatewayOf("GID_sensors@@@bogus0"));

        await using var filler = await SecureBroker.ConnectAsync(broker, FillerGateway);
        await AnnounceAsync(filler, "GID_zz@@@bogus", TableSize);
        await FederatedTiers.WaitForRouteAsync(broker, $"GID_zz@@@bogus{TableSize - 1}", FillerGateway);

        // The table is full of the filler's routes: the real gateway's first route takes one of their places.
        await using var realGateway = await SecureBroker.ConnectAsync(broker, RealGateway);
        await realGateway.PublishAsync("$eb/route/GID_app@@@behind-1", "1", MqttQualityOfServiceLevel.AtMostOnce);
        await FederatedTiers.WaitForRouteAsync(broker, "GID_app@@@behind-1", RealGateway);
        await sender.PublishAsync("app/p2p/GID_app@@@behind-1", "for the real gateway");
        Assert.Equal("app/p2p/" + RealGateway + "/1/GID_app@@@behind-1", (await realGateway.ReceiveAsync()).Topic);

        // The filler's clean session ends: its routes go with it.
        await filler.Client.DisconnectAsync(new MqttClientDisconnectOptions());
        await Eventually.WaitUntilAsync(() => Enumerable.Range(0, TableSize).All(i => broker.Core.FederatedGatewayOf($"GID_zz@@@bogus{i}") is null),
            () => "the routes of the filler gateway outlived its session");
        await realGateway.PublishAsync("$eb/route/GID_app@@@behind-2", "1", MqttQualityOfServiceLevel.AtMostOnce);
        await FederatedTiers.WaitForRouteAsync(broker, "GID_app@@@behind-2", RealGateway);
    }

    static async Task AnnounceAsync(TestClient gateway, string clientIdPrefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await gateway.PublishAsync($"$eb/route/{clientIdPrefix}{i}", "1", MqttQualityOfServiceLevel.AtMostOnce);
        }
    }

    /// <summary>The secured broker of docs/security.md with <paramref name="gateways"/> listed as P2P gateways, on the
    /// host from its settings file and on the emulator from edgebroker.conf; both keep <see cref="TableSize"/> routes.</summary>
    static Task<RunningBroker> StartAsync(string engine, string[] gateways)
    {
        if (engine == Engines.Host)
        {
            var settings = new Dictionary<string, string?>
            {
                ["EdgeBroker:P2PMaxRoutes"] = TableSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            for (var i = 0; i < gateways.Length; i++)
            {
                settings[$"EdgeBroker:Security:P2PGateways:{i}"] = gateways[i];
            }

            return SecureBroker.StartAsync(engine, settings);
        }

        Assert.Equal(TableSize, Engines.MaxClients(engine));
        return Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["instance_id"] = SecureBroker.InstanceId,
            ["access_key." + SecureBroker.AppKey] = SecureBroker.AppSecret,
            ["access_key." + SecureBroker.SensorsKey] = SecureBroker.SensorsSecret,
            ["access_key." + SecureBroker.SensorsKey + ".groups"] = "GID_sensors",
            ["application_groups"] = "GID_app",
            ["p2p_gateways"] = string.Join(",", gateways),
        });
    }
}
