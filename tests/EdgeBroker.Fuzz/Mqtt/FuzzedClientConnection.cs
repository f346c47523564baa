using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// A connection the fuzzed client's messages are routed to, which takes every delivery. Its channel ID is given, not
/// random, so every execution of an input takes the same paths through the core's tables (afl-fuzz's stability).
/// </summary>
sealed class FuzzedClientConnection(int channelNumber) : IClientConnection
{
    public string ChannelId { get; } = channelNumber.ToString("x32");

    public string ClientAddress => "127.0.0.1:50000";

    public bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate) => true;

    public void ResendWith(PacketIdentifiers resends)
    {
    }

    public void CopyUnacknowledged(PacketIdentifiers into)
    {
    }
}
