using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>A loopback port another program holds for as long as this lives: what a broker told to listen there meets.</summary>
public sealed class TakenPort : IDisposable
{
    readonly TcpListener _holder = new(IPAddress.Loopback, 0);

    public TakenPort()
    {
        _holder.Start();
        Port = ((IPEndPoint)_holder.LocalEndpoint).Port;
    }

    public int Port { get; }

    public void Dispose() => _holder.Dispose();
}
