using System.Net;

namespace EdgeBroker.Host.Transport;

/// <summary>One connection a <see cref="ConnectionListener"/> accepted: its stream (which the server disposes), the
/// same connection's unread-byte count, and the peer's end point.</summary>
readonly record struct AcceptedConnection(Stream Stream, ISocketInput Input, EndPoint RemoteEndPoint);
