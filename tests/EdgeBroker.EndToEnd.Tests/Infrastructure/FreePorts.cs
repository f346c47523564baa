using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Free loopback ports for programs started as child processes (in-process brokers bind port 0 instead, and the system
/// picks their port as it binds it). A child binds its port only a moment later, so the port is drawn below Linux's
/// ephemeral range (32768 and up), where the system never picks one itself — neither for a port-0 listener nor as the
/// local port of an outgoing connection — and no port is handed out twice in one test run.
/// </summary>
public static class FreePorts
{
    const int First = 20000;
    const int EphemeralStart = 32768;

    static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var candidate = Random.Shared.Next(First, EphemeralStart);
            lock (HandedOut)
            {
                if (!HandedOut.Add(candidate))
                {
                    continue;
                }
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, candidate);
                probe.Start();
                return candidate;
            }
            catch (SocketException)
            {
                // Taken by another program: draw again.
            }
        }

        throw new InvalidOperationException($"No free loopback port found between {First} and {EphemeralStart - 1}.");
    }
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
