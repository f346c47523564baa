using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>A repeatable random source: the same bytes every run, so backoff waits are checked exactly.</summary>
internal sealed class SeededRandomSource : IRandomSource
{
    readonly Random _random;

    public SeededRandomSource(int seed = 1) => _random = new Random(seed);

    public void Fill(byte[] buffer) => _random.NextBytes(buffer);
}

/// <summary>A store whose disk refuses every write.</summary>
internal sealed class FailingUplinkQueueStore : IUplinkQueueStore
{
    public long Append(string uplink, UplinkEntry entry) => 0;
    public int Read(string uplink, long afterSequence, int max, System.Collections.ArrayList into) => 0;
    public void Remove(string uplink, long sequence) { }
    public long RemoveOldest(string uplink, long afterSequence) => 0;
    public int Count(string uplink) => 0;
    public long Bytes(string uplink) => 0;
    public long OldestEnqueuedAtMs(string uplink) => 0;
}

/// <summary>Builds uplink settings and messages in one line each.</summary>
internal static class UplinkFixture
{
    public static UplinkSettings Settings(string name = "cloud", int window = 16, int maxMessages = 1000,
        long maxBytes = 1_000_000, UplinkFullPolicy policy = UplinkFullPolicy.DropOldest, params UplinkRule[] rules)
    {
        var settings = new UplinkSettings(name)
        {
            ClientId = "gateway-1",
            InFlightWindow = window,
            MaxQueuedMessages = maxMessages,
            MaxQueuedBytes = maxBytes,
            FullPolicy = policy,
            BackoffMinMs = 100,
            BackoffMaxMs = 1600,
        };
        settings.AddAddress(UplinkAddress.Parse("mqtt://primary:1883"));
        settings.AddAddress(UplinkAddress.Parse("mqtts://secondary:8883"));
        if (rules.Length == 0)
        {
            settings.AddRule(UplinkRule.Forward("#", 1));
        }

        foreach (var rule in rules)
        {
            settings.AddRule(rule);
        }

        return settings;
    }

    /// <summary>The uplink of a gateway that federates P2P (docs/federation.md) as <paramref name="clientId"/>.</summary>
    public static UplinkSettings Federated(bool p2p = true, string clientId = "gw-a")
    {
        var settings = new UplinkSettings("cloud") { ClientId = clientId, P2P = p2p };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        return settings;
    }

    /// <summary><paramref name="gateway"/> announces <paramref name="clientId"/>: reachable through it (the payload
    /// names the path below it) or gone.</summary>
    public static void Announce(TestBroker broker, string gateway, string clientId, bool reachable = true, string payload = "1") =>
        Assert.Equal(PublishOutcome.Delivered, broker.Core.Publish(gateway, new RoutedMessage(P2PEnvelope.AnnouncementPrefix + clientId,
            reachable ? Encoding.UTF8.GetBytes(payload) : [], 0, false)));

    public static RoutedMessage Message(string topic, string payload = "p", int qos = 1, bool retain = false) =>
        new(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    public static string PayloadOf(UplinkEntry entry) => Encoding.UTF8.GetString(entry.Payload);

    /// <summary>A connected uplink on a memory store.</summary>
    public static Core.Uplink.Uplink Connected(UplinkSettings settings, IUplinkQueueStore? store = null)
    {
        var uplink = new Core.Uplink.Uplink(settings, store ?? new MemoryUplinkQueueStore(), new SeededRandomSource());
        uplink.NextConnect(0);
        uplink.Connected(0);
        return uplink;
    }

    /// <summary>What the uplink hands out at <paramref name="nowMs"/> (the tests' clock, like the times they connect
    /// and learn at).</summary>
    public static List<UplinkEntry> Take(Core.Uplink.Uplink uplink, long nowMs = 0)
    {
        var into = new System.Collections.ArrayList();
        uplink.TakeSendable(into, nowMs);
        return into.Cast<UplinkEntry>().ToList();
    }
}
