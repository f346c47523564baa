using System.Diagnostics;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
using MQTTnet.Packets;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The PUBACK of a QoS 1 PUBLISH whose message the store is still committing
/// (<see cref="BrokerCore.PublishWithoutWaiting"/>): <see cref="PacketWriter"/> holds it, and every packet sent on the
/// connection after it, until the commit has settled, then encodes it with the core's answer
/// (<see cref="BrokerCore.Settled"/>). Meanwhile the connection's reader reads and routes its next PUBLISH, so a
/// publisher with many messages in flight puts many of them in one commit, and the PUBACKs one commit releases leave
/// in one write.
/// <para>
/// How it reaches the write path: <see cref="CoreBridge"/> puts it on the PUBACK it builds, in the packet's user
/// properties (the one slot of MQTTnet's packet type that the formatter alone reads). This list holds no property: the
/// writer takes it off the packet before encoding. The reader sends a connection's PUBACKs in the order it read the
/// PUBLISHes, and the writer keeps the order of everything it is given.
/// </para>
/// </summary>
sealed class HeldAcknowledgement(BrokerCore core, PublishOutcome outcome, GroupCommit.Pending pending, BrokerMetrics? metrics)
    : List<MqttUserProperty>(0)
{
    readonly long _routedAt = Stopwatch.GetTimestamp();

    /// <summary>The acknowledgement held on <paramref name="packet"/>, or null.</summary>
    public static HeldAcknowledgement? On(MqttPacket packet) => (packet as MqttPubAckPacket)?.UserProperties as HeldAcknowledgement;

    /// <summary>The commit has ended: the PUBACK may be written (<see cref="Release"/>).</summary>
    public bool IsSettled => pending.IsSettled;

    /// <summary>Completes once the commit has ended.</summary>
    public Task WhenSettled() => pending.WhenSettled(CancellationToken.None);

    /// <summary>Once settled: takes itself off <paramref name="pubAck"/> and gives it the core's reason code (MQTT 5:
    /// 0x80 when the store could not keep the message). False when the PUBACK must not be written: an MQTT 3.1.1 PUBACK
    /// has no code to refuse with, so the connection must close instead and the client sends the message again.</summary>
    public bool Release(MqttPacket pubAck, bool mqtt5)
    {
        var settled = core.Settled(outcome, pending);
        var packet = (MqttPubAckPacket)pubAck;
        packet.UserProperties = null;
        packet.ReasonCode = PublishOutcomeCodes.ToPubAck(settled);
        if (settled != outcome)
        {
            return mqtt5;
        }

        metrics?.StoreCommitted(Stopwatch.GetElapsedTime(_routedAt));
        return true;
    }
}
