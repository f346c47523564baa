using System.Net;
using System.Net.Sockets;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A TCP link between a gateway and its upstream that a test can cut and restore, as a network outage would: while cut
/// it refuses connections and has closed the ones it carried; the upstream itself keeps running (and keeps the
/// gateway's session and what is published for it meanwhile). It can also hold back what the upstream answers
/// (<see cref="HoldReplies"/>): a slow upstream, whose PUBACKs the gateway waits for while its PUBLISHes still arrive.
/// </summary>
public sealed class CuttableLink : IAsyncDisposable
{
    readonly int _targetPort;
    readonly List<TcpClient> _carried = [];
    TcpListener? _listener;
    CancellationTokenSource _open = new();

    /// <summary>Completed while the upstream's bytes flow to the gateway; a new, open one while they are held.</summary>
    TaskCompletionSource _replies = Flowing();

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

    /// <summary>Stops passing the upstream's bytes (its PUBACKs) to the gateway, keeping them in order until
    /// <see cref="ReleaseReplies"/>.</summary>
    public void HoldReplies() => _replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Passes on what was held and everything after it.</summary>
    public void ReleaseReplies() => _replies.TrySetResult();

    static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
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

                _ = PumpAsync(inbound, outbound, () => Task.CompletedTask, cut);
                _ = PumpAsync(outbound, inbound, () => _replies.Task, cut);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut.
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>, each read once <paramref name="flowing"/> lets
    /// it through.</summary>
    static async Task PumpAsync(TcpClient from, TcpClient to, Func<Task> flowing, CancellationToken cut)
    {
        try
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await from.GetStream().ReadAsync(buffer, cut)) > 0)
            {
                await flowing().WaitAsync(cut);
                await to.GetStream().WriteAsync(buffer.AsMemory(0, read), cut);
            }
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
