using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>Free loopback ports for programs started as child processes (in-process brokers take port 0 instead), drawn
/// as the host draws its own (<see cref="EdgeBroker.Host.Runtime.FreePorts"/>).</summary>
public static class FreePorts
{
    public static int Next() => EdgeBroker.Host.Runtime.FreePorts.Next(IPAddress.Loopback);
}

/// <summary>
/// A loopback port nobody listens on for as long as it is held: it stays bound, not listening, so a connection to it is
/// refused, and no other socket on the machine — a broker of a test running alongside on port 0, a client's own end —
/// can be given it meanwhile. A port drawn with <see cref="FreePorts.Next"/> and released can be, and a test expecting
/// "refused" or "unreachable" then connects (seen in CI).
/// </summary>
public sealed class ClosedPort : IDisposable
{
    readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _socket.Dispose();
}
