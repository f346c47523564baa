using System.Net;

namespace EdgeBroker.Host.Transport;

/// <summary>One connection a <see cref="ConnectionListener"/> accepted: its stream (which the server disposes), the
/// same connection's unread-byte count, and its end points.</summary>
readonly record struct AcceptedConnection(Stream Stream, ISocketInput Input, EndPoint LocalEndPoint, EndPoint RemoteEndPoint);
