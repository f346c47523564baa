using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Ports free now, for a port setting of 0 (tests run many brokers side by side). The listener binds such a port only
/// later, so it is drawn below Linux's ephemeral range (32768 and up): a port the OS hands out itself may meanwhile
/// become the local port of any outgoing connection, and the listener would then fail to start.
/// </summary>
static class FreePorts
{
    const int First = 20000;
    const int EphemeralStart = 32768;

    public static int Next(IPAddress address)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var candidate = Random.Shared.Next(First, EphemeralStart);
            try
            {
                using var probe = new TcpListener(address, candidate);
                probe.Start();
                return candidate;
            }
            catch (SocketException)
            {
                // Taken: draw again.
            }
        }

        using var fallback = new TcpListener(address, 0);
        fallback.Start();
        return ((IPEndPoint)fallback.LocalEndpoint).Port;
    }
}
