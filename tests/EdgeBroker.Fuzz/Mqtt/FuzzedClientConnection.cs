using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// A connection as the host's MqttNetConnection is to the core: it takes every delivery, numbers the ones the core
/// tags with the packet identifiers the host would send them under, and hands a tag back when the client acknowledges
/// that identifier. Its channel ID is given, not random, so every execution of an input takes the same paths through
/// the core's tables (afl-fuzz's stability).
/// </summary>
sealed class FuzzedClientConnection(int channelNumber) : IClientConnection
{
    readonly Dictionary<ushort, long> _deliveryTags = [];
    ushort _lastPacketId;

    public string ChannelId { get; } = channelNumber.ToString("x32");

    public bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        if (deliveryTag != 0)
        {
            _lastPacketId = (ushort)(_lastPacketId == ushort.MaxValue ? 1 : _lastPacketId + 1);
            _deliveryTags[_lastPacketId] = deliveryTag;
        }

        return true;
    }

    public long TakeDeliveryTag(ushort packetIdentifier) => _deliveryTags.Remove(packetIdentifier, out var tag) ? tag : 0;
}
