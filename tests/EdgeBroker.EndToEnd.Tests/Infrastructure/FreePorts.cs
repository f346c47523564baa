using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>Free loopback ports for programs started as child processes (in-process brokers take port 0 instead).</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
