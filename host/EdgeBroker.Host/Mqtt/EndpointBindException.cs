using System.Net.Sockets;

namespace EdgeBroker.Host.Mqtt;

/// <summary>One MQTT listener could not bind: which one, so the message names its port and the flag that sets it, not
/// every listener's.</summary>
sealed class EndpointBindException(MqttEndpoint endpoint, SocketException cause)
    : Exception($"cannot bind {endpoint.Address}:{endpoint.Port}: {cause.Message}", cause)
{
    public MqttEndpoint Endpoint { get; } = endpoint;

    /// <summary>The socket's error, which says why (<see cref="Runtime.ListenFailure"/> words it for the user).</summary>
    public SocketException Cause { get; } = cause;
}
