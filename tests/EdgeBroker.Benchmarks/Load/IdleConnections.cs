using System.Net.Sockets;
using System.Text;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Idle MQTT clients as cheap as a client can be, so the harness can hold 10,000 of them: a raw TCP connection that
/// sends an MQTT 3.1.1 CONNECT (clean session, keep-alive off so the broker expects nothing more), waits for its
/// CONNACK and then stays silent until disposed.
/// </summary>
public sealed class IdleConnections : IAsyncDisposable
{
    /// <summary>How long one connection may take to be answered before it counts as refused.</summary>
    static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    readonly List<Socket> _sockets = [];

    /// <summary>Connections whose CONNECT was accepted (CONNACK 0).</summary>
    public int Accepted => _sockets.Count;

    /// <summary>Connections the broker refused or closed instead of accepting.</summary>
    public int Refused { get; private set; }

    /// <param name="batch">Connections opened at once: no more than the broker's listen backlog holds, or connects
    /// it had to drop can hang (the emulator's backlog is the device's, 4).</param>
    /// <param name="clientIdPrefix">The clients' IDs are this followed by their number (e.g. a group's
    /// <c>GID_x@@@</c>).</param>
    public static async Task<IdleConnections> OpenAsync(int port, int count, int batch, CancellationToken cancellationToken,
        string clientIdPrefix = "idle-")
    {
        var idle = new IdleConnections();
        for (var start = 0; start < count; start += batch)
        {
            var connecting = Enumerable.Range(start, Math.Min(batch, count - start)).Select(i => ConnectAsync(port, clientIdPrefix + i, cancellationToken));
            foreach (var socket in await Task.WhenAll(connecting).ConfigureAwait(false))
            {
                if (socket is null)
                {
                    idle.Refused++;
                }
                else
                {
                    idle._sockets.Add(socket);
                }
            }
        }

        return idle;
    }

    static async Task<Socket?> ConnectAsync(int port, string clientId, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var answered = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        answered.CancelAfter(AnswerTimeout);
        try
        {
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, answered.Token).ConfigureAwait(false);
            await socket.SendAsync(Connect(clientId), answered.Token).ConfigureAwait(false);
            var connAck = new byte[4];
            var received = 0;
            while (received < connAck.Length)
            {
                var read = await socket.ReceiveAsync(connAck.AsMemory(received), answered.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                received += read;
            }

            if (received == connAck.Length && connAck[0] == 0x20 && connAck[3] == 0)
            {
                return socket;
            }
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Refused, reset or not answered in time: counted by the caller.
        }

        socket.Dispose();
        return null;
    }

    static byte[] Connect(string clientId)
    {
        var id = Encoding.ASCII.GetBytes(clientId);
        byte[] body = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x00, (byte)(id.Length >> 8), (byte)id.Length, .. id];
        return [0x10, (byte)body.Length, .. body];
    }

    public ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
        return ValueTask.CompletedTask;
    }
}
