using EdgeBroker.Core.Routing;
using MQTTnet;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// The MQTT 5 properties the host attaches to a routed message or an uplink entry (the core's
/// <see cref="IEngineProperties"/>): MQTTnet's message carrying them, and what they count against every bound
/// (<see cref="MessageProperties.Footprint"/> when attached; a copy read back from a store carries what was stored with
/// it, so it is let go as it was counted). A message without properties carries none of this (null), and pays nothing.
/// </summary>
sealed class Mqtt5Properties(MqttApplicationMessage message, int footprintBytes) : IEngineProperties
{
    public MqttApplicationMessage Message { get; } = message;

    public int FootprintBytes { get; } = footprintBytes;

    /// <summary>The MQTTnet message <paramref name="properties"/> carry; null without any.</summary>
    public static MqttApplicationMessage? Of(IEngineProperties? properties) => (properties as Mqtt5Properties)?.Message;
}
