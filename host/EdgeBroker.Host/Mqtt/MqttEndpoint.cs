using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Host.Tls;

namespace EdgeBroker.Host.Mqtt;

/// <summary>One MQTT listener: the address and port it binds, for MQTT over TLS its certificate settings (null on a
/// plain listener), and for MQTT over WebSocket what its upgrade accepts (null: MQTT straight over TCP or TLS).</summary>
sealed record MqttEndpoint(IPAddress Address, int Port, TlsEndpoint? Tls, WebSocketEndpoint? WebSocket = null);

/// <summary>The WebSocket side of a listener: the one path it serves and the sites whose pages may connect.</summary>
sealed record WebSocketEndpoint(string Path, Transport.WebSocketOrigins Origins);

/// <summary>The TLS side of a listener: the broker's certificate, the protocols offered and, when clients must show a
/// certificate, how it is checked (null: none asked for).</summary>
sealed record TlsEndpoint(X509Certificate2 Certificate, System.Security.Authentication.SslProtocols Protocols,
    ClientCertificateValidator? ClientCertificates);
