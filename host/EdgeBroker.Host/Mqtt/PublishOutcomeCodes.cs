using EdgeBroker.Core.Routing;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>The PUBACK/PUBREC reason code an MQTT 5 publisher gets for each routing outcome. MQTT 3.1.1 has no
/// reason codes there, so a 3.1.1 publisher is simply acknowledged (the 3.1.1 encoder drops the code).</summary>
static class PublishOutcomeCodes
{
    public static MqttPubAckReasonCode ToPubAck(PublishOutcome outcome) => outcome switch
    {
        PublishOutcome.Delivered or PublishOutcome.Queued => MqttPubAckReasonCode.Success,
        PublishOutcome.NoMatchingSubscribers => MqttPubAckReasonCode.NoMatchingSubscribers,
        PublishOutcome.NotAuthorized => MqttPubAckReasonCode.NotAuthorized,
        PublishOutcome.TopicNameInvalid => MqttPubAckReasonCode.TopicNameInvalid,
        PublishOutcome.QuotaExceeded or PublishOutcome.UplinkQueueFull => MqttPubAckReasonCode.QuotaExceeded,
        PublishOutcome.StoreUnavailable => MqttPubAckReasonCode.UnspecifiedError,
        _ => MqttPubAckReasonCode.UnspecifiedError,
    };
}
