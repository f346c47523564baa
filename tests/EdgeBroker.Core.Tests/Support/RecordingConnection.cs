using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>One message as the core handed it to a connection, with the payload copied at the moment of the call.</summary>
internal sealed record Delivery(string Topic, string Payload, int Qos, bool Retain, int[]? SubscriptionIdentifiers, long DeliveryTag = 0, bool Duplicate = false);

/// <summary>
/// Test double for an engine's connection: records every <see cref="IClientConnection.Send"/> instead of writing to a
/// socket. Knows the client ID and session expiry it connected with, so tests can disconnect it in one call.
/// </summary>
internal sealed class RecordingConnection : IClientConnection
{
    readonly List<Delivery> _received = new();

    public RecordingConnection(string clientId, uint sessionExpirySeconds)
    {
        ClientId = clientId;
        SessionExpirySeconds = sessionExpirySeconds;
    }

    public string ClientId { get; }

    public uint SessionExpirySeconds { get; }

    /// <summary>What <see cref="BrokerCore.Connect"/> answered (the CONNACK session-present flag).</summary>
    public bool SessionPresent { get; set; }

    /// <summary>When true, <see cref="Send"/> reports that the engine's outgoing queue was full.</summary>
    public bool QueueFull { get; set; }

    /// <summary>How many more messages <see cref="Send"/> takes before it reports a full queue, refusing (and not
    /// recording) the rest; null: no limit.</summary>
    public int? Room { get; set; }

    public string ChannelId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>What presence events name as the client's <c>ip:port</c>.</summary>
    public string ClientAddress { get; set; } = "127.0.0.1:50000";

    public IReadOnlyList<Delivery> Received => _received;

    public IEnumerable<string> Payloads => _received.Select(delivery => delivery.Payload);

    /// <summary>What the core handed over with <see cref="ResendWith"/>; null when nothing.</summary>
    public PacketIdentifiers? Resends { get; private set; }

    /// <summary>What this connection reports as sent and not acknowledged when it ends (packet identifier → delivery
    /// tag), as the test sets it.</summary>
    public Dictionary<int, long> Unacknowledged { get; } = new();

    public void ResendWith(PacketIdentifiers resends) => Resends = resends;

    public void CopyUnacknowledged(PacketIdentifiers into)
    {
        foreach (var (packetId, deliveryTag) in Unacknowledged)
        {
            into.Add(packetId, deliveryTag);
        }
    }

    public bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate)
    {
        if (Room is { } room)
        {
            if (room == 0)
            {
                return false;
            }

            Room = room - 1;
        }

        string payload = Encoding.UTF8.GetString(message.Payload, message.PayloadOffset, message.PayloadLength);
        _received.Add(new Delivery(message.Topic, payload, qos, retain, subscriptionIdentifiers, deliveryTag, duplicate));
        return !QueueFull;
    }
}
