using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Uplink;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Federation;

/// <summary>
/// Three tiers of real brokers federating P2P over their uplinks (docs/federation.md): gateway A (either engine) → a
/// site gateway (host) → the cloud (host), plus gateway B (host) under the cloud. Every gateway is configured only with
/// the minimal interface: its uplink address, its client ID upstream and p2p on.
/// </summary>
public sealed class FederatedTiers : IAsyncDisposable
{
    public const string Parent = "plant";
    public const string SiteId = "site-gw";
    public const string GatewayAId = "gw-a";
    public const string GatewayBId = "gw-b";

    FederatedTiers(RunningBroker cloud, RunningBroker site, RunningBroker gatewayA, RunningBroker gatewayB)
    {
        Cloud = cloud;
        Site = site;
        GatewayA = gatewayA;
        GatewayB = gatewayB;
    }

    public RunningBroker Cloud { get; }

    public RunningBroker Site { get; }

    public RunningBroker GatewayA { get; }

    public RunningBroker GatewayB { get; }

    /// <param name="everyGateway">Host settings (<c>EdgeBroker:…</c>, which the emulator maps) added to every gateway's.</param>
    public static Task<FederatedTiers> StartAsync(string engineA, IReadOnlyDictionary<string, string?>? everyGateway = null) =>
        StartAsync(settings => Engines.StartAsync(engineA, settings), engineA, everyGateway);

    /// <summary>Starts the tiers with gateway A started by <paramref name="startA"/> from its uplink settings (for
    /// <paramref name="engineA"/>), e.g. with a security configuration of its own.</summary>
    public static async Task<FederatedTiers> StartAsync(Func<Dictionary<string, string?>, Task<RunningBroker>> startA, string engineA,
        IReadOnlyDictionary<string, string?>? everyGateway = null)
    {
        var cloud = await new HostEngine().StartAsync();
        var site = await new HostEngine().StartAsync(With(HostGateway(cloud.Port, SiteId), everyGateway));
        var gatewayB = await new HostEngine().StartAsync(With(HostGateway(cloud.Port, GatewayBId), everyGateway));
        var gatewayA = await startA(With(GatewaySettings(engineA, site.Port, GatewayAId), everyGateway));
        return new FederatedTiers(cloud, site, gatewayA, gatewayB);
    }

    static Dictionary<string, string?> With(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? more)
    {
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>A gateway of <paramref name="engine"/> federating over an uplink to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public static Dictionary<string, string?> GatewaySettings(string engine, int upstreamPort, string clientId) =>
        engine == Engines.Emulator ? EmulatorGateway(upstreamPort, clientId) : HostGateway(upstreamPort, clientId);

    /// <summary>A gateway of <paramref name="engine"/> federating over mosquitto with retained routes.</summary>
    public static Dictionary<string, string?> RetainedRoutes(string engine, MosquittoUpstream upstream, string clientId)
    {
        var settings = GatewaySettings(engine, upstream.Port, clientId);
        if (engine == Engines.Emulator)
        {
            settings["uplink_p2p_routes"] = "retained";
        }
        else
        {
            settings["EdgeBroker:Uplinks:0:P2PRoutes"] = "Retained";
        }

        return settings;
    }

    /// <summary>The retained message on <paramref name="topic"/> at mosquitto, or null when there is none.</summary>
    public static async Task<string?> RetainedAsync(MosquittoUpstream upstream, string topic)
    {
        await using var reader = await TestClient.ConnectAsync(new ExternalBroker(upstream.Port), "reader-" + Guid.NewGuid().ToString("N")[..8]);
        await reader.SubscribeAsync(topic);
        var retained = await reader.ReceiveAllAsync();
        return retained.Count == 0 ? null : retained[^1].ConvertPayloadToString();
    }

    /// <summary>The host's settings as <c>--uplink mqtt://… --uplink-client-id ID --uplink-p2p</c> set them, with a short
    /// backoff.</summary>
    public static Dictionary<string, string?> HostGateway(int upstreamPort, string clientId) => new()
    {
        ["EdgeBroker:Uplinks:0:Name"] = "cloud",
        ["EdgeBroker:Uplinks:0:Addresses:0"] = $"mqtt://127.0.0.1:{upstreamPort}",
        ["EdgeBroker:Uplinks:0:ClientId"] = clientId,
        ["EdgeBroker:Uplinks:0:P2P"] = "true",
        ["EdgeBroker:Uplinks:0:BackoffMinMs"] = "50",
        ["EdgeBroker:Uplinks:0:BackoffMaxMs"] = "500",
    };

    /// <summary>edgebroker.conf of a federating firmware gateway.</summary>
    static Dictionary<string, string?> EmulatorGateway(int upstreamPort, string clientId) => new()
    {
        ["uplink"] = $"mqtt://127.0.0.1:{upstreamPort}",
        ["uplink_client_id"] = clientId,
        ["uplink_p2p"] = "true",
        ["uplink_backoff_min_ms"] = "50",
        ["uplink_backoff_max_ms"] = "500",
    };

    public static string Address(string clientId) => $"{Parent}/p2p/{clientId}";

    /// <summary>Messages <paramref name="broker"/> routed so far, its own (<c>$SYS</c>, presence) left out: stays put
    /// once nothing loops.</summary>
    public static int Routed(RunningBroker broker) => broker.Counters!.Published - broker.Counters.FromBroker;

    /// <summary>A QoS 1 request to <paramref name="to"/>; on MQTT 5 with the response topic
    /// <paramref name="responseTopic"/>, correlation data <c>c-1</c> and the user property <c>unit=C</c>, which federation
    /// carries across gateways.</summary>
    public static MqttApplicationMessage Request(string to, string payload, MqttProtocolVersion protocol, string responseTopic)
    {
        var request = new MqttApplicationMessageBuilder().WithTopic(to).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (protocol == MqttProtocolVersion.V500)
        {
            request.WithResponseTopic(responseTopic).WithCorrelationData("c-1"u8.ToArray()).WithUserProperty("unit", "C"u8.ToArray().AsMemory());
        }

        return request.Build();
    }

    /// <summary>The QoS 1 answer to <paramref name="request"/>: to its response topic — an MQTT 3.1.1 request has none,
    /// so to <paramref name="requester"/>'s address — with its correlation data.</summary>
    public static MqttApplicationMessage Answer(MqttApplicationMessage request, string payload, string requester) =>
        new MqttApplicationMessageBuilder().WithTopic(request.ResponseTopic ?? Address(requester)).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithCorrelationData(request.CorrelationData ?? []).Build();

    /// <summary>Asserts that <paramref name="received"/> kept the MQTT 5 properties <see cref="Request"/> set.</summary>
    public static void AssertRequestProperties(MqttApplicationMessage received, string responseTopic)
    {
        Assert.Equal(responseTopic, received.ResponseTopic);
        Assert.Equal("c-1", Encoding.UTF8.GetString(received.CorrelationData));
        Assert.Contains(received.UserProperties, property => property.Name == "unit" && property.ValueBuffer.ToArray().SequenceEqual("C"u8.ToArray()));
    }

    /// <summary>Waits until <paramref name="broker"/> routes <paramref name="clientId"/> to the gateway
    /// <paramref name="gatewayId"/> below it (the gateways' announcements arrived).</summary>
    public static Task WaitForRouteAsync(RunningBroker broker, string clientId, string gatewayId) =>
        Eventually.WaitUntilAsync(() => broker.Core!.FederatedGatewayOf(clientId) == gatewayId,
            () => $"no route {clientId} → {gatewayId} (it is {broker.Core!.FederatedGatewayOf(clientId) ?? "none"})");

    /// <summary>Waits until the cloud can reach both a client on gateway A (through the site) and one on gateway B.</summary>
    public async Task WaitForRoutesAsync(string clientOnA, string clientOnB)
    {
        await WaitForRouteAsync(Site, clientOnA, GatewayAId);
        await WaitForRouteAsync(Cloud, clientOnA, SiteId);
        await WaitForRouteAsync(Cloud, clientOnB, GatewayBId);
    }

    public async ValueTask DisposeAsync()
    {
        await GatewayA.DisposeAsync();
        await GatewayB.DisposeAsync();
        await Site.DisposeAsync();
        await Cloud.DisposeAsync();
    }
}
