using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Mqtt;
using EdgeBroker.Host.Storage;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeBroker.Host.Uplink;

/// <summary>Hands a message that arrived from upstream — on the uplink's connection or a proxy session's — to the
/// core, with its MQTT 5 properties, and says whether MQTTnet may acknowledge it upstream.</summary>
static class UpstreamMessages
{
    /// <summary>Routes <paramref name="routed"/> (the core's local form of <paramref name="e"/>'s message, origin-marked)
    /// through the core with the received message's properties (content type, response topic, correlation data, payload
    /// format, expiry, user properties). MQTTnet acknowledges the message after the event handler returns; when the
    /// local store could not keep it, it is left unacknowledged (so the upstream sends it again) and this returns false.
    /// A receiver's full offline quota is logged as for a local publisher (<see cref="BrokerCore.QuotaDropToReport"/>).</summary>
    public static async Task<bool> RouteAsync(BrokerCore core, DownlinkHoldBack holdBack, RoutedMessage routed, MqttApplicationMessageReceivedEventArgs e,
        ILogger logger, string uplinkName)
    {
        var received = e.ApplicationMessage;
        routed.MessageExpiryInterval = received.MessageExpiryInterval;
        MessageProperties.Attach(routed, new MqttApplicationMessage
        {
            Topic = routed.Topic,
            PayloadSegment = routed.Payload,
            QualityOfServiceLevel = (MQTTnet.Protocol.MqttQualityOfServiceLevel)routed.Qos,
            Retain = routed.Retain,
            ContentType = received.ContentType,
            ResponseTopic = received.ResponseTopic,
            CorrelationData = received.CorrelationData,
            PayloadFormatIndicator = received.PayloadFormatIndicator,
            MessageExpiryInterval = received.MessageExpiryInterval,
            UserProperties = received.UserProperties,
        });
        // Unacknowledged meanwhile, so the upstream's in-flight window fills and it keeps the rest (DownlinkHoldBack).
        var heldSinceMs = Clock.MonotonicMs();
        while (holdBack.ShouldWait(routed, heldSinceMs, Clock.MonotonicMs()))
        {
            await Task.Delay(DownlinkHoldBack.PollMilliseconds).ConfigureAwait(false);
        }

        var outcome = core.PublishFromUplink(routed);
        if (core.QuotaDropToReport(out var tally))
        {
            logger.LogWarning(LogEvents.PublishDropped, "Uplink {Name}: dropped a message from upstream for {Topic}: the receiver's offline quota is full{Tally}",
                uplinkName, ClientTextForLog.Of(routed.Topic), tally);
        }

        QueueFullDropLog.ReportDue(core, logger);

        if (outcome != PublishOutcome.StoreUnavailable)
        {
            return true;
        }

        e.AutoAcknowledge = false;
        return false;
    }
}
