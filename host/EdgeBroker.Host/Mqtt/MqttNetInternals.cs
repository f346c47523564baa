using System.Reflection;
using MQTTnet.Packets;
using MQTTnet.Server;
using MQTTnet.Server.Internal;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The places where EdgeBroker reaches inside MQTTnet 5.2, each because the public API has no way to do what the
/// MQTT specification or a bounded broker requires. Each is resolved once at start-up and fails loudly if an MQTTnet
/// upgrade moves it.
/// </summary>
static class MqttNetInternals
{
    static readonly FieldInfo SessionsManagerField = FindField(typeof(MqttServer), typeof(MqttClientSessionsManager));
    static readonly FieldInfo ConnectPacketField = FindField(typeof(ValidatingConnectionEventArgs), typeof(MqttConnectPacket));
    static readonly FieldInfo SessionField = FindField(typeof(MqttSessionStatus), typeof(MqttSession));

    /// <summary>
    /// The session manager, to fetch one client's session by ID in O(1) (the public GetSessionsAsync copies every
    /// session) so the core can deliver a routed message straight into that session.
    /// </summary>
    public static MqttClientSessionsManager SessionsManager(MqttServer server) =>
        (MqttClientSessionsManager)(SessionsManagerField.GetValue(server)
            ?? throw new InvalidOperationException("MQTTnet server has no session manager yet; start it first."));

    /// <summary>
    /// The CONNECT being validated, to correct it before MQTTnet acts on it: MQTT 3.1.1 [MQTT-3.1.3-6] wants a generated
    /// client ID for a zero-length one with clean session = 1 (MQTTnet only does that for MQTT 5), and the core, not
    /// MQTTnet, keeps session state, so MQTTnet is always asked for a clean session.
    /// </summary>
    public static MqttConnectPacket ConnectPacket(ValidatingConnectionEventArgs args) =>
        (MqttConnectPacket)ConnectPacketField.GetValue(args)!;

    /// <summary>
    /// The session behind a status, to queue a message with a completion callback: the public
    /// TryEnqueueApplicationMessage does not say when the message has been written, which the outbound queue limits
    /// need to count what still waits.
    /// </summary>
    public static MqttSession Session(MqttSessionStatus status) => (MqttSession)SessionField.GetValue(status)!;

    static FieldInfo FindField(Type owner, Type fieldType) =>
        owner.GetFields(BindingFlags.Instance | BindingFlags.NonPublic).SingleOrDefault(f => f.FieldType == fieldType)
        ?? throw new InvalidOperationException(
            $"This MQTTnet version has no {fieldType.Name} field in {owner.Name}; EdgeBroker is built against MQTTnet 5.2.");
}
