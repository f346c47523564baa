using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>A load client's socket as the kernel knows it: its file descriptor in the harness's process and its
/// local port, which is the remote port of the broker's end of the same connection.</summary>
public readonly record struct ClientSocket(string ClientId, long FileDescriptor, int LocalPort);

/// <summary>
/// The socket each load client connected last, by client ID, so that the opt-in message log
/// (<see cref="Measurement.MessageLog"/>) can name which system calls in a kernel trace carry which pair's bytes. Written
/// once per connection, never on the message path.
/// </summary>
public static class ClientSockets
{
    static readonly ConcurrentDictionary<string, ClientSocket> Connected = new();

    public static void Record(string clientId, Socket socket) =>
        Connected[clientId] = new ClientSocket(clientId, socket.Handle.ToInt64(), ((IPEndPoint)socket.LocalEndPoint!).Port);

    public static ClientSocket? Find(string clientId) => Connected.TryGetValue(clientId, out var socket) ? socket : null;
}
