using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>A PUBLISH as it arrived: flags included, so tests can check DUP.</summary>
public sealed record RawPublish(string Topic, string Payload, int Qos, bool Duplicate, ushort PacketId);

/// <summary>How a <see cref="RawMqttConnection.TrickleAsync"/> ended: the type of the first packet the broker sent (null:
/// none), whether the broker closed the connection, when that first packet or the close came (from the first byte), and
/// how many of the bytes had been sent by then.</summary>
public sealed record Trickle(int? AnswerType, bool Closed, TimeSpan After, int BytesSent);

/// <summary>
/// A bare TCP connection speaking hand-built MQTT 3.1.1 packets, for what a well-behaved client library will not do:
/// vanish without DISCONNECT, stop sending PINGREQ, send malformed bytes.
/// </summary>
public sealed class RawMqttConnection : IAsyncDisposable
{
    readonly TcpClient _tcp;
    readonly Stream _stream;
    int _protocolLevel = 4;
    ushort _nextPacketId = 1;

    RawMqttConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    /// <summary>This end of the connection as the broker sees the client (<c>127.0.0.1:50312</c>; TcpClient's socket
    /// is dual-mode, so its own view is the IPv4-mapped IPv6 form).</summary>
    public string LocalEndPoint
    {
        get
        {
            var local = (IPEndPoint)_tcp.Client.LocalEndPoint!;
            return new IPEndPoint(local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address, local.Port).ToString();
        }
    }

    /// <param name="localAddress">The address to connect from (another loopback address such as 127.0.0.2 is another
    /// client machine as far as the broker can tell); null for the system's choice.</param>
    /// <param name="receiveBufferBytes">The socket's receive buffer, fixed before connecting (so the TCP window stays that
    /// small: a client that stops reading fills it quickly); 0 for the system's, which grows to megabytes.</param>
    public static async Task<RawMqttConnection> OpenAsync(RunningBroker broker, IPAddress? localAddress = null, int receiveBufferBytes = 0)
    {
        var tcp = localAddress is null ? new TcpClient() : new TcpClient(new IPEndPoint(localAddress, 0));
        tcp.NoDelay = true;
        if (receiveBufferBytes > 0)
        {
            tcp.ReceiveBufferSize = receiveBufferBytes;
        }

        await tcp.ConnectAsync(broker.Host, broker.Port);
        return new RawMqttConnection(tcp, tcp.GetStream());
    }

    /// <summary>A connection to the broker's MQTT over TLS port, trusting only <paramref name="ca"/>.</summary>
    public static async Task<RawMqttConnection> OpenTlsAsync(RunningBroker broker, X509Certificate2 ca)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(broker.Host, broker.TlsPort);
        var tls = new SslStream(tcp.GetStream());
        var trust = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        trust.CustomTrustStore.Add(ca);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = broker.Host, CertificateChainPolicy = trust });
        return new RawMqttConnection(tcp, tls);
    }

    /// <summary>A connection to the broker's MQTT over WebSocket port (path /mqtt, subprotocol mqtt), each packet sent
    /// as a binary frame; .NET's WebSocket sends an unsolicited pong every <paramref name="keepAlive"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: none). <paramref name="receiveBufferBytes"/> as for <see cref="OpenAsync"/>.</summary>
    public static async Task<RawMqttConnection> OpenWebSocketAsync(RunningBroker broker, TimeSpan keepAlive, int receiveBufferBytes = 0)
    {
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferBytes > 0)
        {
            tcp.ReceiveBufferSize = receiveBufferBytes;
        }

        await tcp.ConnectAsync(broker.Host, broker.WebSocketPort);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /mqtt HTTP/1.1\r\nHost: {broker.Host}\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"));
        var response = new List<byte>();
        while (response.Count < 4 || response[^4] != '\r' || response[^3] != '\n' || response[^2] != '\r' || response[^1] != '\n')
        {
            var next = stream.ReadByte();
            Assert.NotEqual(-1, next);
            response.Add((byte)next);
        }

        Assert.StartsWith("HTTP/1.1 101 ", Encoding.ASCII.GetString(response.ToArray()));
        var webSocket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { SubProtocol = "mqtt", KeepAliveInterval = keepAlive });
        return new RawMqttConnection(tcp, WebSocketStream.Create(webSocket, WebSocketMessageType.Binary, ownsWebSocket: true));
    }

    /// <summary>Sends CONNECT (protocol level 4 = MQTT 3.1.1, 5 = MQTT 5 with no properties but a non-zero
    /// <paramref name="sessionExpiry"/>) and returns the CONNACK return/reason code.</summary>
    public async Task<int> ConnectAsync(string clientId, ushort keepAliveSeconds = 60, bool cleanSession = true,
        string? willTopic = null, string? willPayload = null, int willQos = 0, int protocolLevel = 4,
        string? userName = null, string? password = null, uint sessionExpiry = 0)
    {
        _protocolLevel = protocolLevel;
        var body = new List<byte>();
        AppendString(body, "MQTT");
        body.Add((byte)protocolLevel);
        byte flags = (byte)(cleanSession ? 0x02 : 0);
        if (willTopic is not null)
        {
            flags |= (byte)(0x04 | (willQos << 3));
        }

        if (userName is not null)
        {
            flags |= 0x80;
        }

        if (password is not null)
        {
            flags |= 0x40;
        }

        body.Add(flags);
        body.Add((byte)(keepAliveSeconds >> 8));
        body.Add((byte)keepAliveSeconds);
        if (protocolLevel == 5 && sessionExpiry > 0)
        {
            body.AddRange([5, 0x11, .. SessionExpiryBytes(sessionExpiry)]);
        }
        else
        {
            AppendProperties(body);
        }

        AppendString(body, clientId);
        if (willTopic is not null)
        {
            AppendProperties(body);
            AppendString(body, willTopic);
            AppendString(body, willPayload ?? string.Empty);
        }

        foreach (var credential in new[] { userName, password })
        {
            if (credential is not null)
            {
                AppendString(body, credential);
            }
        }

        await SendAsync(0x10, body);
        var (type, _, payload) = await ReadPacketAsync();
        Assert.Equal(2, type);
        return payload[1];
    }

    /// <summary>Sends SUBSCRIBE for one filter and returns the SUBACK code (granted QoS or failure/reason code).</summary>
    public async Task<int> SubscribeAsync(string filter, int qos = 1) => (await SubscribeAsync([(filter, qos)]))[0];

    /// <summary>Sends one SUBSCRIBE carrying every filter and returns the SUBACK codes, one per filter in order.</summary>
    public async Task<byte[]> SubscribeAsync(IReadOnlyList<(string Filter, int Qos)> filters)
    {
        var id = _nextPacketId++;
        var body = new List<byte> { (byte)(id >> 8), (byte)id };
        AppendProperties(body);
        foreach (var (filter, qos) in filters)
        {
            AppendString(body, filter);
            body.Add((byte)qos);
        }

        await SendAsync(0x82, body);
        var (type, _, payload) = await ReadPacketAsync();
        Assert.Equal(9, type);
        return payload[^filters.Count..];
    }

    /// <summary>Sends UNSUBSCRIBE for one filter without waiting for the UNSUBACK; returns its packet identifier.</summary>
    /// <summary>Sends an UNSUBSCRIBE; with <paramref name="behindPing"/>, a PINGREQ first in the same write, so the
    /// broker finds an acknowledgement-like packet ahead of it among the connection's unread bytes.</summary>
    public async Task<ushort> SendUnsubscribeAsync(string filter, bool behindPing = false)
    {
        var id = _nextPacketId++;
        var body = new List<byte> { (byte)(id >> 8), (byte)id };
        AppendProperties(body);
        AppendString(body, filter);
        await SendRawAsync(behindPing ? [.. Packet(0xC0, []), .. Packet(0xA2, body)] : Packet(0xA2, body));
        return id;
    }

    public Task SendDisconnectAsync() => SendAsync(0xE0, []);

    /// <summary>MQTT 5 DISCONNECT (normal) carrying a Session Expiry Interval, even one of 0.</summary>
    public Task SendDisconnectAsync(uint sessionExpiry) => SendAsync(0xE0, [0x00, 5, 0x11, .. SessionExpiryBytes(sessionExpiry)]);

    static byte[] SessionExpiryBytes(uint seconds) => [(byte)(seconds >> 24), (byte)(seconds >> 16), (byte)(seconds >> 8), (byte)seconds];

    /// <summary>Reads the next PUBLISH (MQTT 3.1.1), failing on any other packet.</summary>
    public async Task<RawPublish> ReadPublishAsync(TimeSpan? timeout = null)
    {
        var (type, flags, body) = await ReadPacketAsync(timeout);
        Assert.Equal(3, type);
        var qos = (flags >> 1) & 3;
        var topicLength = (body[0] << 8) | body[1];
        var topic = Encoding.UTF8.GetString(body, 2, topicLength);
        var offset = 2 + topicLength;
        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = (ushort)((body[offset] << 8) | body[offset + 1]);
            offset += 2;
        }

        return new RawPublish(topic, Encoding.UTF8.GetString(body, offset, body.Length - offset), qos, (flags & 0x08) != 0, packetId);
    }

    /// <summary>Sends a PUBLISH (MQTT 3.1.1; MQTT 5 with no properties); <paramref name="packetId"/> for QoS 1 and 2.</summary>
    public Task PublishAsync(string topic, byte[] payload, int qos, ushort packetId = 0) => SendRawAsync(PublishPacket(topic, payload, qos, packetId));

    /// <summary>The bytes of the PUBLISH <see cref="PublishAsync"/> sends, for a test that sends them its own way.</summary>
    public byte[] PublishPacket(string topic, byte[] payload, int qos, ushort packetId = 0)
    {
        var body = new List<byte>();
        AppendString(body, topic);
        if (qos > 0)
        {
            body.Add((byte)(packetId >> 8));
            body.Add((byte)packetId);
        }

        AppendProperties(body);
        body.AddRange(payload);
        return Packet((byte)(0x30 | (qos << 1)), body);
    }

    public Task SendPubAckAsync(ushort packetId) => SendPacketIdAsync(0x40, packetId);

    /// <summary>Sends a packet whose body is only a packet identifier: PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70.</summary>
    public Task SendPacketIdAsync(byte fixedHeader, ushort packetId) => SendAsync(fixedHeader, [(byte)(packetId >> 8), (byte)packetId]);

    public Task SendAsync(byte fixedHeader, IReadOnlyCollection<byte> body) => SendRawAsync(Packet(fixedHeader, body));

    /// <summary>A packet's bytes: the fixed header, the remaining length, the body.</summary>
    static byte[] Packet(byte fixedHeader, IReadOnlyCollection<byte> body)
    {
        var packet = new List<byte> { fixedHeader };
        var length = body.Count;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);

        packet.AddRange(body);
        return packet.ToArray();
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends <paramref name="bytes"/> a byte at a time, <paramref name="interval"/> apart (a slow sender), until
    /// all are sent or the broker answers or closes the connection; then waits up to <paramref name="waitAfter"/> for
    /// an answer or the close.</summary>
    public async Task<Trickle> TrickleAsync(byte[] bytes, TimeSpan interval, TimeSpan waitAfter)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ended = TimeSpan.Zero;
        var answer = AnswerOrCloseAsync(interval * bytes.Length + waitAfter);
        var sent = 0;
        foreach (var b in bytes)
        {
            if (answer.IsCompleted)
            {
                break;
            }

            try
            {
                await SendRawAsync([b]);
            }
            catch (IOException)
            {
                break;
            }

            sent++;
            await Task.WhenAny(answer, Task.Delay(interval));
        }

        var (type, closed) = await answer;
        return new Trickle(type, closed, ended, sent);

        async Task<(int? Type, bool Closed)> AnswerOrCloseAsync(TimeSpan within)
        {
            try
            {
                var (type, _, _) = await ReadPacketAsync(within);
                return (type, false);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                return (null, true);
            }
            catch (OperationCanceledException)
            {
                return (null, false);
            }
            finally
            {
                ended = clock.Elapsed;
            }
        }
    }

    /// <summary>Reads one packet: (packet type, flags, body).</summary>
    public async Task<(int Type, int Flags, byte[] Body)> ReadPacketAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        var header = await ReadExactlyAsync(1, cancel.Token);
        var length = 0;
        var multiplier = 1;
        byte digit;
        do
        {
            digit = (await ReadExactlyAsync(1, cancel.Token))[0];
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        }
        while ((digit & 0x80) != 0);

        var body = await ReadExactlyAsync(length, cancel.Token);
        return (header[0] >> 4, header[0] & 0x0F, body);
    }

    /// <summary>True once the broker has closed the connection (a read returns end of stream or fails).</summary>
    public async Task<bool> IsClosedByBrokerAsync(TimeSpan within)
    {
        using var cancel = new CancellationTokenSource(within);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                if (await _stream.ReadAsync(buffer, cancel.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Drops the connection the way a lost network does: no DISCONNECT, a TCP reset.</summary>
    public void Abort()
    {
        _tcp.LingerState = new LingerOption(true, 0);
        _tcp.Close();
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancel)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer, cancel);
        return buffer;
    }

    /// <summary>MQTT 5 packets carry a property block; this client sends none.</summary>
    void AppendProperties(List<byte> body)
    {
        if (_protocolLevel == 5)
        {
            body.Add(0);
        }
    }

    internal static void AppendString(List<byte> body, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        body.Add((byte)(bytes.Length >> 8));
        body.Add((byte)bytes.Length);
        body.AddRange(bytes);
    }
}
