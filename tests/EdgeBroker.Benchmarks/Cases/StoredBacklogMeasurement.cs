using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>What a stored-backlog case produced: how the backlog was stored, then how it was delivered.</summary>
/// <param name="Expected">Messages the publishers were asked to send while the receiver was away.</param>
/// <param name="Sent">Messages handed to MQTTnet; each publish completed on its PUBACK.</param>
/// <param name="StoreSeconds">From the first publish to the last PUBACK.</param>
/// <param name="SessionPresent">The reconnection's CONNACK said the session was kept (it must).</param>
/// <param name="Delivered">Unique messages received and acknowledged after the reconnection.</param>
/// <param name="OutOfOrder">Messages that arrived after a later one from the same sender.</param>
/// <param name="Unplaced">Messages from no sender of the backlog (must be 0).</param>
/// <param name="ReceivedWhileAway">Messages the receiver got before it reconnected (must be 0).</param>
/// <param name="DeliverSeconds">From the CONNACK to the last message's PUBACK (to the last unique message when some
/// never came).</param>
/// <param name="Completed">Every sent message arrived; false means delivery stalled.</param>
/// <param name="StoreCpu">CPU while the backlog was published.</param>
/// <param name="DeliverCpu">CPU from the reconnection to the end of delivery.</param>
public sealed record StoredBacklogMeasurement(
    int Expected,
    int Sent,
    int PublishFailures,
    string? FirstPublishError,
    double StoreSeconds,
    bool SessionPresent,
    int Delivered,
    int Duplicates,
    int OutOfOrder,
    int Unplaced,
    int ReceivedWhileAway,
    double DeliverSeconds,
    bool Completed,
    CpuUsage StoreCpu,
    CpuUsage DeliverCpu)
{
    /// <summary>Sent (and acknowledged to the publisher) but never delivered.</summary>
    public int Missing => Math.Max(0, Sent - Delivered);

    public double StoredPerSecond => StoreSeconds > 0 ? Sent / StoreSeconds : 0;

    public double DeliveredPerSecond => DeliverSeconds > 0 ? Delivered / DeliverSeconds : 0;

    /// <summary>Broker CPU microseconds per message while storing.</summary>
    public double BrokerCpuMicrosecondsPerStored => StoreCpu.BrokerMicrosecondsPer(Sent);

    /// <summary>Broker CPU microseconds per message while delivering.</summary>
    public double BrokerCpuMicrosecondsPerDelivered => DeliverCpu.BrokerMicrosecondsPer(Delivered);

    /// <summary>The larger share of the machine other processes took in either part.</summary>
    public double OtherShareOfMachine => Math.Max(StoreCpu.OtherShareOfMachine, DeliverCpu.OtherShareOfMachine);
}
