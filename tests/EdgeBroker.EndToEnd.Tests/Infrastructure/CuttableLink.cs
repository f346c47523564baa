using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A TCP link between a gateway and its upstream that a test can cut and restore, as a network outage would: while cut
/// it refuses connections and has closed the ones it carried; the upstream itself keeps running (and keeps the
/// gateway's session and what is published for it meanwhile).
/// </summary>
public sealed class CuttableLink : IAsyncDisposable
{
    readonly int _targetPort;
    readonly List<TcpClient> _carried = [];
    TcpListener? _listener;
    CancellationTokenSource _open = new();

    public CuttableLink(int targetPort)
    {
        _targetPort = targetPort;
        Port = FreePorts.Next();
        Restore();
    }

    public int Port { get; }

    public string Address => $"mqtt://127.0.0.1:{Port}";

    /// <summary>Closes every carried connection and refuses new ones.</summary>
    public void Cut()
    {
        _open.Cancel();
        _listener?.Stop();
        _listener = null;
        lock (_carried)
        {
            foreach (var client in _carried)
            {
                client.Dispose();
            }

            _carried.Clear();
        }
    }

    /// <summary>Accepts connections again.</summary>
    public void Restore()
    {
        _open = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _ = AcceptAsync(_listener, _open.Token);
    }

    async Task AcceptAsync(TcpListener listener, CancellationToken cut)
    {
        try
        {
            while (!cut.IsCancellationRequested)
            {
                var inbound = await listener.AcceptTcpClientAsync(cut);
                var outbound = new TcpClient();
                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, cut);
                lock (_carried)
                {
                    _carried.Add(inbound);
                    _carried.Add(outbound);
                }

                _ = PumpAsync(inbound, outbound, cut);
                _ = PumpAsync(outbound, inbound, cut);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut.
        }
    }

    static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken cut)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), cut);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // Cut, or one side closed.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
