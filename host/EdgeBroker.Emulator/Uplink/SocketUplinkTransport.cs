using EdgeBroker.Core;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Uplink;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Firmware.Uplink;

namespace EdgeBroker.Emulator.Uplink;

/// <summary>
/// The emulator's stand-in for the device's M2Mqtt client: a minimal MQTT 3.1.1 client over a TCP socket (TLS when
/// asked), encoding and decoding with the relay's codec. Unlike M2Mqtt it sends the packet identifier the driver
/// proposes and sets DUP on a resend, as MQTT 3.1.1 §4.4 asks. Keeps the connection alive with PINGREQ and gives it up
/// when the upstream has sent nothing for 1.5 keep-alive intervals. A PUBLISH from the upstream larger than
/// <c>max_packet_size</c> is read past without being kept (a few hundred bytes at a time), reported
/// (<see cref="IUplinkTransportListener.MessageTooLarge"/>) and acknowledged: it could never be taken, and the upstream
/// would send it again on every reconnect.
/// </summary>
public sealed class SocketUplinkTransport : IUplinkTransport
{
    /// <summary>How long reaching the upstream and its CONNACK may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Bytes read at a time while reading past a packet too large to keep.</summary>
    const int SkipChunkSize = 512;

    readonly Lock _sync = new();
    readonly int _maxPacketSize;
    UplinkConnection? _connection;

    /// <param name="maxPacketSize">The largest packet accepted from the upstream (the relay's <c>max_packet_size</c>);
    /// a larger PUBLISH is skipped, any other larger packet ends the connection, before anything is read into memory.</param>
    public SocketUplinkTransport(int maxPacketSize)
    {
        _maxPacketSize = maxPacketSize;
    }

    public int Connect(UplinkConnectRequest request, IUplinkTransportListener listener)
    {
        Disconnect();
        var connection = UplinkConnection.Open(request, listener, _maxPacketSize);
        int returnCode = connection.ReadConnAck(request.Tls);
        if (returnCode != ConnectReturnCode.Accepted)
        {
            connection.Close();
            return returnCode;
        }

        lock (_sync)
        {
            _connection = connection;
        }

        connection.Run(request.KeepAliveSeconds);
        return returnCode;
    }

    public int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId)
    {
        int topicBytes = Utf8.EncodedLength(topic);
        var packet = new byte[PacketWriter.PublishSize(topicBytes, payload.Length, qos)];
        PacketWriter.WritePublish(packet, 0, topic, topicBytes, payload, 0, payload.Length, qos, retain, duplicate && qos > 0, packetId);
        Current().Send(packet);
        return qos > 0 ? packetId : 0;
    }

    public void Subscribe(string[] filters, int[] qos) => Current().Send(ClientPackets.Subscribe(1, filters, qos));

    /// <summary>A PUBLISH from the upstream is acknowledged after the listener returns, on the reading thread.</summary>
    public bool AcknowledgesAfterDelivery => true;

    public void Disconnect()
    {
        UplinkConnection? connection;
        lock (_sync)
        {
            connection = _connection;
            _connection = null;
        }

        connection?.Disconnect();
    }

    UplinkConnection Current()
    {
        lock (_sync)
        {
            return _connection ?? throw new UplinkTransportException("not connected");
        }
    }

    /// <summary>One TCP (or TLS) connection: a reader thread for what the upstream sends, a timer for keep-alive,
    /// writes serialised by a lock. Reports its loss once, unless it was closed on purpose.</summary>
    sealed class UplinkConnection
    {
        readonly Socket _socket;
        readonly Stream _stream;
        readonly IUplinkTransportListener _listener;
        readonly int _maxPacketSize;
        readonly Lock _writeLock = new();
        readonly PacketReader _reader = new(new StringDecoder());
        readonly PublishPacket _publish = new();
        Timer? _keepAlive;

        /// <summary>Why the connection was lost, for a send that comes after it (rather than "disposed object").</summary>
        string? _lostReason;
        long _lastSentMs;
        long _lastReceivedMs;
        int _ended;

        UplinkConnection(Socket socket, Stream stream, IUplinkTransportListener listener, int maxPacketSize)
        {
            _socket = socket;
            _stream = stream;
            _listener = listener;
            _maxPacketSize = maxPacketSize;
        }

        public static UplinkConnection Open(UplinkConnectRequest request, IUplinkTransportListener listener, int maxPacketSize)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var where = request.Host + ":" + request.Port;
            try
            {
                using (var timeout = new CancellationTokenSource(ConnectTimeout))
                {
                    socket.ConnectAsync(request.Host, request.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                throw new UplinkTransportException(where + " cannot be reached: " + e.Message, e);
            }

            try
            {
                Stream stream = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = (int)ConnectTimeout.TotalMilliseconds };
                if (request.Tls)
                {
                    stream = Authenticate(stream, request);
                }

                var connection = new UplinkConnection(socket, stream, listener, maxPacketSize);
                connection.Send(ClientPackets.Connect(request.ClientId, request.UserName, request.Password, request.KeepAliveSeconds, request.WillTopic, request.WillPayload));
                return connection;
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
            {
                socket.Dispose();
                throw new UplinkTransportException("the TLS handshake with " + where + " failed: " + e.Message.TrimEnd('.')
                    + (UpstreamClosed.Caused(e) ? UplinkAddress.ClosedEarlyHint(tls: true) : ""), e);
            }
            catch (UplinkTransportException e)
            {
                socket.Dispose();
                throw new UplinkTransportException(e.Message + (UpstreamClosed.Caused(e) ? UplinkAddress.ClosedEarlyHint(request.Tls) : ""), e);
            }
        }

        /// <summary>TLS with the server name checked, against the given CA certificate or the machine's roots.</summary>
        static SslStream Authenticate(Stream stream, UplinkConnectRequest request)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions { TargetHost = request.Host };
            if (request.CaCertificate is { } ca)
            {
                var authority = X509CertificateLoader.LoadCertificate(ca);
                options.CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { authority },
                    RevocationMode = X509RevocationMode.NoCheck,
                };
            }

            tls.AuthenticateAsClient(options);
            return tls;
        }

        /// <summary>Waits for the CONNACK and returns its return code.</summary>
        /// <param name="tls">Whether the connection is over TLS, for the hint when the upstream closes it at once.</param>
        public int ReadConnAck(bool tls)
        {
            try
            {
                var (header, body) = ReadPacket();
                if (header >> 4 != PacketType.ConnAck || body.Length != 2)
                {
                    throw new UplinkTransportException("the upstream answered CONNECT with packet type " + (header >> 4) + ", not CONNACK");
                }

                return body[1];
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or MalformedPacketException)
            {
                Close();
                throw new UplinkTransportException("no CONNACK from the upstream: " + e.Message.TrimEnd('.')
                    + (UpstreamClosed.Caused(e) ? UplinkAddress.ClosedEarlyHint(tls) : ""), e);
            }
        }

        /// <summary>Starts reading and keeping the connection alive.</summary>
        public void Run(int keepAliveSeconds)
        {
            _stream.ReadTimeout = Timeout.Infinite;
            _lastReceivedMs = Clock.MonotonicMs();
            new Thread(ReadLoop) { IsBackground = true, Name = "uplink reader" }.Start();
            if (keepAliveSeconds > 0)
            {
                int periodMs = keepAliveSeconds * 1000 / 2;
                _keepAlive = new Timer(_ => KeepAlive(keepAliveSeconds * 1500L), null, periodMs, periodMs);
            }
        }

        public void Send(byte[] packet)
        {
            try
            {
                lock (_writeLock)
                {
                    if (Volatile.Read(ref _lostReason) is { } lost)
                    {
                        throw new UplinkTransportException("the connection to the upstream is gone: " + lost);
                    }

                    _stream.Write(packet);
                    _lastSentMs = Clock.MonotonicMs();
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                // Closed by the reader meanwhile: its reason, not the closed stream's.
                throw new UplinkTransportException("the connection to the upstream is gone: " + (Volatile.Read(ref _lostReason) ?? e.Message), e);
            }
        }

        public void Disconnect()
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            try
            {
                Send(ClientPackets.Disconnect);
            }
            catch (UplinkTransportException)
            {
                // Closing anyway.
            }

            Dispose();
        }

        /// <summary>Closes without DISCONNECT and without reporting a loss (a refused CONNECT).</summary>
        public void Close()
        {
            Interlocked.Exchange(ref _ended, 1);
            Dispose();
        }

        void Lost(string reason)
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Volatile.Write(ref _lostReason, reason);
                Dispose();
                _listener.ConnectionLost(reason);
            }
        }

        void Dispose()
        {
            _keepAlive?.Dispose();
            _stream.Dispose();
            _socket.Dispose();
        }

        void KeepAlive(long silenceLimitMs)
        {
            long now = Clock.MonotonicMs();
            if (now - Volatile.Read(ref _lastReceivedMs) > silenceLimitMs)
            {
                Lost("the upstream sent nothing for 1.5 keep-alive intervals");
                return;
            }

            try
            {
                Send(ClientPackets.PingReq);
            }
            catch (UplinkTransportException e)
            {
                Lost(e.Message);
            }
        }

        void ReadLoop()
        {
            try
            {
                while (Volatile.Read(ref _ended) == 0)
                {
                    int header = ReadByte();
                    int length = ReadRemainingLength(out int lengthBytes);
                    Volatile.Write(ref _lastReceivedMs, Clock.MonotonicMs());
                    if (1 + lengthBytes + length > _maxPacketSize)
                    {
                        SkipTooLarge(header, 1 + lengthBytes + length, length);
                        continue;
                    }

                    var body = new byte[length];
                    _stream.ReadExactly(body);
                    Dispatch(header, body);
                }
            }
            catch (Exception e)
            {
                // The thread's last word: whatever ended it (the network, a malformed packet, routing what came down)
                // ends this connection, and the driver reconnects.
                Lost(e is EndOfStreamException ? "the upstream closed the connection" : e.Message);
            }
        }

        void Dispatch(int header, byte[] body)
        {
            switch (FixedHeader.TypeOf(header))
            {
                case PacketType.PubAck:
                    _listener.PublishAcknowledged((body[0] << 8) | body[1]);
                    break;
                case PacketType.Publish:
                    Received(header, body);
                    break;
                case PacketType.SubAck:
                case PacketType.PingResp:
                    break;
                default:
                    throw new MalformedPacketException("packet type " + (header >> 4) + " from the upstream");
            }
        }

        void Received(int header, byte[] body)
        {
            _reader.Reset(body, 0, body.Length);
            _publish.Decode(header & 0x0F, _reader);
            if (_publish.Qos > 1)
            {
                throw new MalformedPacketException("QoS 2 PUBLISH: the uplink subscribes at most at QoS 1");
            }

            string topic = _reader.DecodeString(body, _publish.TopicOffset, _publish.TopicLength);
            var payload = body.AsSpan(_publish.PayloadOffset, _publish.PayloadLength).ToArray();
            _listener.MessageReceived(topic, payload, _publish.Qos, _publish.Retain);
            if (_publish.Qos == 1)
            {
                var ack = new byte[PacketWriter.AckSize];
                PacketWriter.WriteAck(ack, 0, PacketWriter.PubAckHeader, _publish.PacketId);
                Send(ack);
            }
        }

        /// <summary>One whole packet: its first byte and its body (the CONNACK; no larger packet is expected).</summary>
        (int Header, byte[] Body) ReadPacket()
        {
            int header = ReadByte();
            int length = ReadRemainingLength(out int lengthBytes);
            if (1 + lengthBytes + length > _maxPacketSize)
            {
                throw new MalformedPacketException("a packet of " + (1 + lengthBytes + length) + " bytes from the upstream exceeds max_packet_size " + _maxPacketSize);
            }

            var body = new byte[length];
            _stream.ReadExactly(body);
            return (header, body);
        }

        /// <summary>The fixed header's remaining length, read after its first byte (whose packet type is checked).</summary>
        int ReadRemainingLength(out int lengthBytes)
        {
            int length = 0;
            int index = 0;
            while (true)
            {
                int lengthByte = ReadByte();
                length = FixedHeader.AddLengthByte(length, index, lengthByte);
                if (FixedHeader.IsLastLengthByte(lengthByte))
                {
                    lengthBytes = index + 1;
                    return length;
                }

                index++;
            }
        }

        /// <summary>
        /// A packet of <paramref name="packetBytes"/> over <c>max_packet_size</c>, its fixed header read. A PUBLISH is
        /// read past without being kept — its topic (when it is no longer than <c>max_packet_size</c>, for the log) and
        /// packet identifier, the rest in small pieces —, reported, and at QoS 1 acknowledged, so that the upstream
        /// drops it rather than send it on every reconnect; the connection and the up path carry on. Anything else
        /// that large is not a packet an upstream sends a client: it ends the connection.
        /// </summary>
        void SkipTooLarge(int header, int packetBytes, int remaining)
        {
            int qos = (header >> 1) & 0x03;
            if (FixedHeader.TypeOf(header) != PacketType.Publish)
            {
                throw new MalformedPacketException("a packet of " + packetBytes + " bytes (type " + (header >> 4) + ") from the upstream exceeds max_packet_size " + _maxPacketSize);
            }

            if (qos > 1)
            {
                throw new MalformedPacketException("QoS " + qos + " PUBLISH: the uplink subscribes at most at QoS 1");
            }

            int topicLength = (ReadByte() << 8) | ReadByte();
            remaining -= 2;
            int idLength = qos > 0 ? 2 : 0;
            if (topicLength + idLength > remaining)
            {
                throw new MalformedPacketException("a PUBLISH whose topic is longer than the packet");
            }

            string? topic = null;
            if (topicLength <= _maxPacketSize)
            {
                var topicBytes = new byte[topicLength];
                _stream.ReadExactly(topicBytes);
                topic = System.Text.Encoding.UTF8.GetString(topicBytes);
            }
            else
            {
                Skip(topicLength);
            }

            remaining -= topicLength;
            int packetId = 0;
            if (qos > 0)
            {
                packetId = (ReadByte() << 8) | ReadByte();
                remaining -= 2;
            }

            Skip(remaining);
            _listener.MessageTooLarge(topic, packetBytes, qos);
            if (qos == 1)
            {
                var ack = new byte[PacketWriter.AckSize];
                PacketWriter.WriteAck(ack, 0, PacketWriter.PubAckHeader, packetId);
                Send(ack);
            }
        }

        void Skip(int count)
        {
            var scratch = new byte[Math.Min(count, SkipChunkSize)];
            while (count > 0)
            {
                int read = _stream.Read(scratch, 0, Math.Min(count, scratch.Length));
                if (read <= 0)
                {
                    throw new EndOfStreamException();
                }

                count -= read;
            }
        }

        int ReadByte()
        {
            int value = _stream.ReadByte();
            return value < 0 ? throw new EndOfStreamException() : value;
        }
    }
}
