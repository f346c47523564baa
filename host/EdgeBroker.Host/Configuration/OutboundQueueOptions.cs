using EdgeBroker.Core.Outbound;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// How much may wait to be sent to one connected client that reads slower than it is published to (section
/// "EdgeBroker:OutboundQueue"; flags --max-queued-messages, --max-queued-bytes). When a queue is full the core's
/// <see cref="OutboundQueueLimits"/> decides: QoS 0 gives way first and is dropped and counted; QoS 1/2 for a
/// persistent session stays in the offline store and follows when the client catches up; QoS 1/2 for a session that
/// ends with its connection is dropped and counted, as mosquitto drops beyond max_queued_messages / max_queued_bytes.
/// </summary>
public sealed class OutboundQueueOptions
{
    /// <summary>PUBLISH packets waiting for one client (mosquitto's max_queued_messages default).</summary>
    public int MaxMessagesPerClient { get; set; } = 1000;

    /// <summary>Topic and payload bytes waiting for one client.</summary>
    public int MaxBytesPerClient { get; set; } = 4 * 1024 * 1024;

    public IEnumerable<string> Validate()
    {
        if (MaxMessagesPerClient < 1)
        {
            yield return $"OutboundQueue:MaxMessagesPerClient must be at least 1 (is {MaxMessagesPerClient}).";
        }

        if (MaxBytesPerClient < 1)
        {
            yield return $"OutboundQueue:MaxBytesPerClient must be at least 1 (is {MaxBytesPerClient}).";
        }
    }

    public OutboundQueueLimits ToLimits() => new(MaxMessagesPerClient, MaxBytesPerClient);
}
