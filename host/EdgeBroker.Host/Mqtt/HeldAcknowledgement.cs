using System.Diagnostics;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The PUBACK (PUBREC for QoS 2) of a PUBLISH whose message the store is still committing
/// (<see cref="BrokerCore.PublishWithoutWaiting"/>): <see cref="GuardedChannel"/> writes it only once the commit has
/// settled, with the core's answer then (<see cref="BrokerCore.Settled"/>). Meanwhile MQTTnet reads and routes the
/// connection's next PUBLISH, so a publisher with many messages in flight puts many of them in one commit, where
/// waiting in the interceptor made one commit per message.
/// <para>
/// How it reaches the write path: MQTTnet copies the publish interceptor's <c>Response.UserProperties</c> list onto the
/// PUBACK or PUBREC it builds for that PUBLISH (MQTTnet 5.2, <c>MqttClientSessionsManager.DispatchApplicationMessage</c>
/// and <c>MqttPubAckPacketFactory</c>), and nothing reads the list before the channel writes the packet. This list holds
/// no property: the channel takes it off the packet before encoding. MQTTnet enqueues a connection's PUBACKs in the
/// order it read the PUBLISHes and sends them one at a time, so holding one holds those behind it and the order stays.
/// </para>
/// </summary>
sealed class HeldAcknowledgement(BrokerCore core, PublishOutcome outcome, GroupCommit.Pending pending, BrokerMetrics? metrics)
    : List<MqttUserProperty>(0)
{
    readonly long _routedAt = Stopwatch.GetTimestamp();

    /// <summary>The acknowledgement held on <paramref name="packet"/>, or null.</summary>
    public static HeldAcknowledgement? On(MqttPacket packet) => packet switch
    {
        MqttPubAckPacket pubAck => pubAck.UserProperties as HeldAcknowledgement,
        MqttPubRecPacket pubRec => pubRec.UserProperties as HeldAcknowledgement,
        _ => null,
    };

    /// <summary>Waits for the commit, takes itself off <paramref name="packet"/> and gives it the core's reason code
    /// (MQTT 5: 0x80 when the store could not keep the message). Returns false when the packet must not be written: an
    /// MQTT 3.1.1 PUBACK has no code to refuse with, so the connection must close instead and the client sends the
    /// message again.</summary>
    public async Task<bool> ReleaseAsync(MqttPacket packet, bool mqtt5, CancellationToken cancellationToken)
    {
        await pending.WhenSettled(cancellationToken).ConfigureAwait(false);
        var settled = core.Settled(outcome, pending);
        var code = PublishOutcomeCodes.ToPubAck(settled);
        if (packet is MqttPubAckPacket pubAck)
        {
            pubAck.UserProperties = null;
            pubAck.ReasonCode = code;
        }
        else if (packet is MqttPubRecPacket pubRec)
        {
            pubRec.UserProperties = null;
            pubRec.ReasonCode = (MqttPubRecReasonCode)code;
        }

        if (settled != outcome)
        {
            return mqtt5;
        }

        metrics?.StoreCommitted(Stopwatch.GetElapsedTime(_routedAt));
        return true;
    }
}
