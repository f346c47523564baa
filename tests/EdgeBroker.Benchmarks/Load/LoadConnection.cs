using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeBroker.Host.Mqtt;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>A whole packet a load connection received: its first byte, its body, and when its bytes arrived.</summary>
delegate void PacketHandler(byte header, ReadOnlySpan<byte> body, long arrivedTimestamp);

/// <summary>What one <see cref="LoadConnection.Receive"/> brought.</summary>
enum Received
{
    /// <summary>Bytes, and every whole packet among them handled.</summary>
    Packets,

    /// <summary>Nothing within <see cref="LoadConnection.Timeout"/>.</summary>
    Nothing,

    /// <summary>The connection is over.</summary>
    Closed,
}

/// <summary>
/// One load client's MQTT 3.1.1 connection, driven with blocking system calls from the one thread of the publisher or
/// receiver that owns it. The load generator has to cost less than the brokers it measures, on the same two cores:
/// MQTTnet's client spent 20–26 µs of CPU per QoS 1 message on a machine where the host spent 6 (a task, a packet
/// object and an awaitable per publish, its receive loop handing each packet on), so it, not the broker, set the
/// host's throughput (docs/performance.md, "A load generator cheaper than the brokers"). Here a blocking
/// <c>recv</c> wakes the thread that reads (no epoll thread handing over to the thread pool), one <c>recv</c>
/// takes everything that has arrived, and each packet is still sent with one <c>send</c> of its own, as MQTTnet sent it
/// (<c>WithoutPacketFragmentation</c>), so the brokers receive what they received before. The packets a case's
/// set-up needs (CONNECT, SUBSCRIBE, DISCONNECT) are encoded by MQTTnet's formatter; the publisher and receiver write
/// the few bytes of PUBLISH and PUBACK themselves.
/// </summary>
sealed class LoadConnection : IDisposable
{
    /// <summary>What one <c>recv</c> may take: several hundred of the benchmark's messages.</summary>
    const int ReadBufferBytes = 64 * 1024;

    /// <summary>How long one <c>recv</c> or a blocked <c>send</c> may wait, as MQTTnet's communication time-out did
    /// for the clients before: an answer (CONNACK, SUBACK, a PUBACK) not there by then is not coming.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Keep-alive in the CONNECT: long enough that no case needs a PINGREQ (a broker closes a silent
    /// connection after 1.5 times this, 7.5 minutes; a case lasts a few minutes at most).</summary>
    const ushort KeepAliveSeconds = 300;

    readonly Socket _socket;
    readonly object _sending = new();
    readonly byte[] _received = new byte[ReadBufferBytes];
    int _start;
    int _end;
    volatile bool _open = true;

    LoadConnection(Socket socket, string clientId)
    {
        _socket = socket;
        ClientId = clientId;
    }

    public string ClientId { get; }

    /// <summary>False once the broker closed the connection, a system call on it failed, or it was disposed.</summary>
    public bool IsOpen => _open;

    /// <summary>Connects to the broker on <paramref name="port"/> and completes the MQTT handshake (Nagle off, a reset
    /// on close as MQTTnet's client set it, socket buffers left to Linux's autotuning); throws naming the client when
    /// refused.</summary>
    public static LoadConnection Open(int port, string clientId, bool cleanSession)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            LingerState = new LingerOption(true, 0),
            SendTimeout = (int)Timeout.TotalMilliseconds,
            ReceiveTimeout = (int)Timeout.TotalMilliseconds,
        };
        var connection = new LoadConnection(socket, clientId);
        try
        {
            // Blocking calls only: one asynchronous call would make .NET switch the socket to non-blocking and serve
            // every later blocking call through its epoll thread.
            socket.Connect(IPAddress.Loopback, port);
            ClientSockets.Record(clientId, socket);
            var connect = new MqttConnectPacket { ClientId = clientId, CleanSession = cleanSession, KeepAlivePeriod = KeepAliveSeconds };
            var connAck = connection.Request(Encode(connect), MqttControlPacketType.ConnAck);
            if (connAck.Length < 2 || connAck[1] != 0)
            {
                throw new InvalidOperationException($"{clientId} was refused: CONNACK return code {(connAck.Length < 2 ? -1 : connAck[1])}");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Subscribes to <paramref name="filter"/> (packet identifier 1) and returns the granted QoS, or 0x80 for
    /// a refusal. Only before the owner starts reading.</summary>
    public int Subscribe(string filter, MqttQualityOfServiceLevel qos)
    {
        var subscribe = new MqttSubscribePacket { PacketIdentifier = 1 };
        subscribe.TopicFilters.Add(new MqttTopicFilter { Topic = filter, QualityOfServiceLevel = qos });
        var subAck = Request(Encode(subscribe), MqttControlPacketType.SubAck);
        return subAck.Length < 3 ? 0x80 : subAck[2];
    }

    /// <summary>Sends one packet with one <c>send</c> (several threads may send: a receiver's PUBACKs and the
    /// DISCONNECT at the end). False when the connection is gone.</summary>
    public bool Send(byte[] packet, int length)
    {
        try
        {
            lock (_sending)
            {
                var sent = 0;
                while (sent < length)
                {
                    sent += _socket.Send(packet, sent, length - sent, SocketFlags.None);
                }
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Gone, or blocked longer than Timeout: either way the connection is over, and its reading thread is woken.
            Close();
            return false;
        }
    }

    /// <summary>Waits for bytes with one <c>recv</c> (at most <see cref="Timeout"/>), then hands every whole packet they
    /// complete to <paramref name="handler"/>, stamped with the time the <c>recv</c> returned (the moment the client had
    /// them).</summary>
    public Received Receive(PacketHandler handler)
    {
        var filled = Fill();
        if (filled != Received.Packets)
        {
            return filled;
        }

        var arrived = Stopwatch.GetTimestamp();
        while (TryTakePacket(out var header, out var body))
        {
            handler(header, body, arrived);
        }

        return Received.Packets;
    }

    /// <summary>Waits up to <paramref name="wait"/> (to the millisecond, rounded up) for bytes to read or the
    /// connection's end; true if either came.</summary>
    public bool WaitReadable(TimeSpan wait) =>
        _socket.Poll((int)Math.Ceiling(wait.TotalMilliseconds) * 1000, SelectMode.SelectRead);

    /// <summary>Sends DISCONNECT if still connected, then closes the socket (a blocked <c>recv</c> on it returns).</summary>
    public void Dispose()
    {
        if (_open)
        {
            var disconnect = Encode(new MqttDisconnectPacket());
            Send(disconnect, disconnect.Length);
        }

        Close();
        _socket.Dispose();
    }

    /// <summary>Ends the connection; a <c>recv</c> blocked on it returns.</summary>
    void Close()
    {
        _open = false;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed by the broker.
        }
    }

    static byte[] Encode(MqttPacket packet) =>
        new MqttPacketFormatterAdapter(MqttProtocolVersion.V311, new MqttBufferWriter(256, 4096)).Encode(packet).ToArray();

    /// <summary>Sends <paramref name="packet"/> and returns the body of its answer, which must be the next packet
    /// (nothing else is due while a case sets up); what arrives behind it stays buffered for the owner's reading.</summary>
    byte[] Request(byte[] packet, MqttControlPacketType answer)
    {
        if (!Send(packet, packet.Length))
        {
            throw new InvalidOperationException($"{ClientId}: the broker closed the connection before {answer}");
        }

        while (true)
        {
            if (TryTakePacket(out var header, out var body))
            {
                return header >> 4 == (int)answer
                    ? body.ToArray()
                    : throw new InvalidDataException($"{ClientId}: packet type {header >> 4} arrived where {answer} was due");
            }

            if (Fill() != Received.Packets)
            {
                throw new InvalidOperationException($"{ClientId}: no {answer} within {Timeout.TotalSeconds:N0} s, or the connection closed");
            }
        }
    }

    /// <summary>One blocking <c>recv</c> behind what is buffered.</summary>
    Received Fill()
    {
        if (_start == _end)
        {
            (_start, _end) = (0, 0);
        }
        else if (_end == _received.Length)
        {
            // A packet's start is buffered and its rest is not: move it to the front to make room.
            _received.AsSpan(_start, _end - _start).CopyTo(_received);
            (_start, _end) = (0, _end - _start);
        }

        int received;
        try
        {
            received = _socket.Receive(_received, _end, _received.Length - _end, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return Received.Nothing;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            received = 0;
        }

        if (received == 0)
        {
            _open = false;
            return Received.Closed;
        }

        _end += received;
        return Received.Packets;
    }

    /// <summary>Takes the next whole packet from the buffer; its fixed header is read as the host reads one
    /// (<see cref="BufferedPackets.TryReadHeader"/>).</summary>
    bool TryTakePacket(out byte header, out ReadOnlySpan<byte> body)
    {
        body = default;
        var buffered = _received.AsSpan(_start, _end - _start);
        if (!BufferedPackets.TryReadHeader(buffered, out header, out var headerLength, out var bodyLength))
        {
            // Five bytes and still no header: the remaining length ran over its four bytes.
            return buffered.Length < 5
                ? false
                : throw new InvalidDataException($"{ClientId}: a remaining length longer than four bytes");
        }

        var size = headerLength + bodyLength;
        if (size > _received.Length)
        {
            throw new InvalidDataException($"{ClientId}: a {size:N0}-byte packet, larger than the load client's buffer");
        }

        if (size > buffered.Length)
        {
            return false;
        }

        body = buffered.Slice(headerLength, bodyLength);
        _start += size;
        return true;
    }
}
