using System.Net;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>Free loopback ports for programs started as child processes (in-process brokers take port 0 instead), drawn
/// as the host draws its own (<see cref="EdgeBroker.Host.Runtime.FreePorts"/>).</summary>
public static class FreePorts
{
    public static int Next() => EdgeBroker.Host.Runtime.FreePorts.Next(IPAddress.Loopback);
}
