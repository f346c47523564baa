using System.Buffers;
using System.Net;
using System.Net.Sockets;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Topics;
using EdgeBroker.Host.Transport;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// One client connection's packets, read and checked by EdgeBroker and decoded and encoded by MQTTnet's packet
/// formatter (MQTT 3.1.1 and 5, lent per packet by <see cref="PacketFormatters"/>). MQTTnet 5.2's own channel
/// allocates a body of whatever remaining length a peer claims before a byte of it arrives (a CONNECT claiming 256 MiB
/// costs 256 MiB), so a few hundred unauthenticated connections could take the host to gigabytes. Here a packet above the configured maximum closes the connection when its fixed
/// header ends, and a body is read into buffers from the shared pool that grow only as bytes arrive and go back to the
/// pool once the formatter has decoded the packet (its decoder copies what it keeps). Malformed input closes only this
/// connection (MQTT 5: DISCONNECT with the reason code, once the CONNECT was accepted), reported through
/// <see cref="ConnectionProblems"/>.
/// <para>
/// Reading and writing cost as few system calls and as little idle memory as the connection allows: an idle
/// connection waits for data with a zero-byte read, holding no buffer; when data arrives, one read takes up to
/// <see cref="InputBuffer"/> bytes (often several packets), and the buffer goes back to the pool once its bytes are
/// consumed. Packets are written by a <see cref="PacketWriter"/>, several per write under load. The MQTT bytes read
/// and written (after TLS) are added to the broker's totals (<see cref="Shared.Bytes"/>, for
/// <c>$SYS/broker/load/bytes/…</c> and <c>/metrics</c>) as they move.
/// </para>
/// <para>
/// For MQTT 5 it also carries out what the core's <see cref="FlowLimits"/> decide at the packet level: the accepting
/// CONNACK announces the broker's Receive Maximum, Topic Alias Maximum, Maximum Packet Size and, when the client's
/// keep-alive was bounded, Server Keep Alive; a client with more unacknowledged QoS 1/2 PUBLISHes than the Receive
/// Maximum is disconnected with 0x93; topic aliases are resolved here by the core's <see cref="InboundTopicAliases"/>,
/// so an alias of 0 or above the maximum ends the connection with 0x94 and an undefined one with 0x82.
/// </para>
/// <para>
/// It reports where its reader is to the connection's <see cref="ConnectionInput"/> — waiting for a packet with every
/// earlier one handled, reading, waiting for the rest of a packet, bytes taken and handled — so a PUBLISH from another
/// connection is routed to this one only once what this one sent earlier (an UNSUBSCRIBE, say) is in effect.
/// </para>
/// </summary>
/// <param name="stream">The connection's bytes (after TLS).</param>
/// <param name="source">The client's address as problems are reported under it (<see cref="SourceAddress"/>).</param>
/// <param name="port">The client's port: with <paramref name="source"/>, all the connection keeps of its remote end
/// point (the <see cref="System.Net.IPEndPoint"/> and its <see cref="System.Net.IPAddress"/> would cost an idle
/// connection 72 bytes, the <c>ip:port</c> string 56 more).</param>
/// <param name="shared">What every channel of the listener shares.</param>
/// <param name="input">Where the connection's reader is.</param>
sealed class GuardedChannel(Stream stream, string source, int port, GuardedChannel.Shared shared, ConnectionInput input) : IDisposable
{
    /// <summary>The first buffer a body is read into; it doubles while more bytes arrive.</summary>
    const int FirstBodyBuffer = 4096;

    /// <summary>The most one read takes while packets arrive: a burst of sensor messages, without holding more than a
    /// page per connection while they are being handled.</summary>
    const int InputBuffer = 4096;

    /// <summary>MQTTnet's message for a 3.1.1 CONNECT with an empty client ID and clean session 0.</summary>
    const string EmptyClientIdWithoutCleanSession = "MQTT-3.1.3-7";

    static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(1);

    readonly PacketWriter _writer = new(stream, shared.Bytes);

    /// <summary>Bytes read and not yet consumed, in <c>[_inputStart, _inputEnd)</c>; null while none are (the buffer
    /// is the pool's again).</summary>
    byte[]? _input;
    int _inputStart;
    int _inputEnd;

    MqttConnectPacket? _connect;

    /// <summary>Packet identifiers of an MQTT 5 client's QoS 1/2 PUBLISHes not yet acknowledged (PUBACK, or PUBCOMP for
    /// QoS 2): its in-flight messages against the Receive Maximum. Added on the receive loop, released on the send loop;
    /// null for MQTT 3.1.1, which has no Receive Maximum.</summary>
    HashSet<ushort>? _inboundInFlight;

    InboundTopicAliases? _topicAliases;
    ushort _serverKeepAlive;
    uint _connectSessionExpiry;
    bool _accepted;

    /// <summary>The client's address and port (<c>192.168.1.7:50312</c>), built when asked (presence events, logs).</summary>
    public string RemoteAddress => SourceAddress.WithPort(source, port);

    /// <summary>The client's address as problems are reported under it.</summary>
    public string Source => source;

    /// <summary>The CONNECT <see cref="ReceiveConnectAsync"/> accepted (with the keep-alive the client is held to),
    /// once: the channel keeps none of it afterwards.</summary>
    public MqttConnectPacket TakeConnect()
    {
        var connect = _connect!;
        _connect = null;
        return connect;
    }

    /// <summary>Where this connection's packets are written, in order.</summary>
    public PacketWriter Writer => _writer;

    /// <summary>Where this connection's reader is, for the ordering of subscription changes and later PUBLISHes.</summary>
    public ConnectionInput Input => input;

    /// <summary>The protocol version of the CONNECT (known once <see cref="ReceiveConnectAsync"/> returned true).</summary>
    public MqttProtocolVersion Version => _writer.Version;

    /// <summary>The broker's MQTT 5 flow limits, the same for every channel of the listener.</summary>
    public FlowLimits Flow => shared.Flow;

    /// <summary>Writes what is pending (a refusing CONNACK, a DISCONNECT), then closes the connection; a client that
    /// does not read it within <see cref="DisconnectTimeout"/> is closed all the same.</summary>
    public async Task DisconnectAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(DisconnectTimeout);
            await _writer.DrainAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionLoss(e))
        {
            // Not read in time or gone: closing is all that is left.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The broker ends the connection: an MQTT 5 client whose CONNECT was accepted is told why first
    /// (DISCONNECT with <paramref name="reason"/> and <paramref name="reasonString"/>); the reader then ends.</summary>
    public async Task CloseAsync(MqttDisconnectReasonCode reason, string? reasonString = null)
    {
        await DisconnectWithReasonAsync(reason, reasonString).ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>How long a notice sent right before a close (<see cref="CloseAfterPendingAsync"/>) is given, once
    /// written, before the connection ends: client libraries that hand received messages to the application on another
    /// thread drop those still waiting when the connection ends (MQTTnet did, for most notices followed at once by the
    /// close).</summary>
    static readonly TimeSpan NoticeGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>As <see cref="CloseAsync"/>, once what is pending — a notice saying why — is written (within
    /// <see cref="DisconnectTimeout"/>) and the client has had <see cref="NoticeGrace"/> to take it in: an MQTT 3.1.1
    /// close would otherwise cut it off, and even a written one can be lost by the client.</summary>
    public async Task CloseAfterPendingAsync(MqttDisconnectReasonCode reason, string? reasonString)
    {
        try
        {
            using var timeout = new CancellationTokenSource(DisconnectTimeout);
            await _writer.DrainAsync(timeout.Token).ConfigureAwait(false);
            await Task.Delay(NoticeGrace).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionLoss(e) || e is MqttCommunicationException)
        {
            // Not read in time or gone: closing is all that is left.
        }

        await CloseAsync(reason, reasonString).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the connection's first packet; true when it is a CONNECT the broker can act on (then in
    /// <see cref="Connect"/>). Anything else — nothing within <paramref name="timeout"/>, another packet, an
    /// unsupported protocol level (CONNACK 0x01, [MQTT-3.1.2-2]), an empty client ID without clean session (CONNACK
    /// 0x02, [MQTT-3.1.3-8]) — is answered and reported here, one line per source address at most.
    /// </summary>
    public async Task<bool> ReceiveConnectAsync(TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        var accepted = false;
        try
        {
            // Waits holding no buffer, like an idle connection (see ReceivePacketAsync).
            await stream.ReadAsync(Memory<byte>.Empty, deadline.Token).ConfigureAwait(false);
            var frame = await ReadFrameAsync(deadline.Token).ConfigureAwait(false);
            if (frame is null)
            {
                return false;
            }

            using (frame)
            {
                if (frame.Type != (int)MqttControlPacketType.Connect)
                {
                    throw new BadPacketException($"the first packet is of type {frame.Type}, not CONNECT [MQTT-3.1.0-1]", MqttDisconnectReasonCode.ProtocolError);
                }

                var version = PacketRules.ProtocolVersion(frame.Body, out var unsupported);
                if (unsupported is not null)
                {
                    await stream.WriteAsync(UnacceptableProtocolVersion, deadline.Token).ConfigureAwait(false);
                    shared.Bytes.CountSent(UnacceptableProtocolVersion.Length);
                    shared.Problems.Report(source, $"CONNECT with protocol {unsupported}, answered with CONNACK 0x01");
                    return false;
                }

                _writer.Version = version;
                try
                {
                    PacketRules.CheckConnect(frame.Buffer, 0, frame.Length, version);
                    return accepted = await DecodeConnectAsync(frame, deadline.Token).ConfigureAwait(false);
                }
                catch (BadPacketException bad) when (version == MqttProtocolVersion.V500)
                {
                    // MQTT 5 lets the server say why before it closes (§4.13.1, §3.2.2.2); 3.1.1 only closes.
                    await _writer.SendAsync(ConnAckRefusal.Of(bad.ConnAckReason)).ConfigureAwait(false);
                    await _writer.DrainAsync(deadline.Token).ConfigureAwait(false);
                    shared.Problems.Report(source, $"{bad.Message}, answered with CONNACK 0x{(int)bad.ConnAckReason:X2}");
                    return false;
                }
            }
        }
        catch (BadPacketException bad)
        {
            shared.Problems.Report(source, bad.Message);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            shared.Problems.Report(source, $"no CONNECT within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (IsConnectionLoss(e))
        {
            // Gone before its CONNECT (a port scan, a health check): nothing to report.
        }
        finally
        {
            if (!accepted)
            {
                ReleaseInput();
            }
        }

        return false;
    }

    /// <summary>
    /// The wait for the connection's next packet, once the one before is handled (reported here): complete at once
    /// when bytes are buffered or the socket has some (or the connection ended), else a zero-byte read that completes
    /// when data arrives. Waiting holds no buffer, and the caller may park on it without an async method of its own
    /// (a continuation on the awaiter); either way the caller hands it to <see cref="InputArrived"/>, then reads the
    /// packet with <see cref="ReceivePacketAsync"/>.
    /// </summary>
    public ValueTask<int> WaitForInput()
    {
        input.HandledAllBut(_inputEnd - _inputStart);
        if (_input is not null)
        {
            if (_inputStart < _inputEnd)
            {
                return default;
            }

            // All consumed, the last packet handled: nothing borrows from the buffer any more.
            ReleaseInput();
        }

        var arriving = stream.ReadAsync(Memory<byte>.Empty, CancellationToken.None);
        if (!arriving.IsCompleted)
        {
            input.AwaitingPacket();
        }

        return arriving;
    }

    /// <summary>Has <see cref="WaitForInput"/>'s pending wait call <paramref name="continuation"/> with
    /// <paramref name="state"/> when it completes, without a delegate per connection; false when the stream cannot
    /// (TLS, .NET's sockets), and the caller continues on the wait's awaiter instead.</summary>
    public bool OnInputArrived(Action<object?> continuation, object state)
    {
        if (stream is not ReactorStream reactorStream)
        {
            return false;
        }

        reactorStream.OnReadCompleted(continuation, state);
        return true;
    }

    /// <summary>Takes the result of <see cref="WaitForInput"/>'s wait (<paramref name="waited"/>: it did not complete
    /// at once); false when the connection ended meanwhile (closed by the broker: keep-alive, takeover, shutdown).</summary>
    public bool InputArrived(ValueTask<int> arriving, bool waited)
    {
        try
        {
            arriving.GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsConnectionLoss(e))
        {
            ReleaseInput();
            input.Ended();
            return false;
        }

        if (waited)
        {
            input.PacketArriving();
        }

        return true;
    }

    /// <summary>The connection's next packet, checked and decoded, once <see cref="InputArrived"/> said input is there:
    /// complete at once when the whole packet is (it waits only for the rest of a packet the peer has not finished
    /// sending); null once the connection has ended (closed by the peer or by the broker, or refused here for malformed
    /// input, reported and answered as MQTT 5 wants).</summary>
    public async ValueTask<MqttPacket?> ReceivePacketAsync()
    {
        var cancellationToken = CancellationToken.None;
        try
        {
            // The fixed header's first two bytes, as ReadFrameAsync would read them first: usually the whole packet.
            var buffering = BufferAsync(2, cancellationToken);
            var synchronous = buffering.IsCompleted;
            if (!await buffering.ConfigureAwait(false))
            {
                ReleaseInput();
                return null;
            }

            // Lent only to a reader that gets it on this thread, before anything else is decoded here.
            if (TakeBuffered(lend: synchronous) is { } buffered)
            {
                return buffered;
            }

            using var frame = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (frame is null)
            {
                return null;
            }

            if (frame.Type == (int)MqttControlPacketType.Connect)
            {
                throw new BadPacketException("a second CONNECT [MQTT-3.1.0-2]", MqttDisconnectReasonCode.ProtocolError);
            }

            string? topic = null;
            var alias = -1;
            if (frame.Type == (int)MqttControlPacketType.Publish)
            {
                topic = PacketRules.PublishTopic(frame.FirstByte, frame.Buffer, 0, frame.Length, Version, out alias);
            }
            else
            {
                PacketRules.CheckBody(frame.FirstByte, frame.Buffer, 0, frame.Length, Version);
            }

            var packet = Decode(frame);
            if (packet is MqttPublishPacket publish)
            {
                // The checked topic (MQTTnet decoded the same bytes into the same text).
                publish.Topic = topic;
                if (Version == MqttProtocolVersion.V500)
                {
                    ApplyFlowControl(publish, alias);
                }
            }
            else if (packet is MqttDisconnectPacket disconnect && !PacketRules.DisconnectCarriesSessionExpiry(frame.Buffer, 0, frame.Length, Version))
            {
                // Absent means the CONNECT's stays (§3.14.2.2.2); MQTTnet's decoder reads 0, ending the session.
                disconnect.SessionExpiryInterval = _connectSessionExpiry;
            }

            return packet;
        }
        catch (BadPacketException bad)
        {
            shared.Problems.Report(source, bad.Message);
            await DisconnectWithReasonAsync(bad.Reason, null).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionLoss(e))
        {
            // Closed by the peer or by the broker (keep-alive, takeover, shutdown).
        }

        ReleaseInput();
        input.Ended();
        return null;
    }

    /// <summary>The next packet decoded straight from the read buffer (<see cref="BufferedPackets"/>, this thread's
    /// packet with <paramref name="lend"/>) when it is all there and one of those; null for MQTTnet's path
    /// (<see cref="ReadFrameAsync"/>), which then reads it again from the start. Consumed without giving the buffer
    /// back, as a PUBLISH's payload is borrowed from it: it goes back to the pool when the reader reads on
    /// (<see cref="WaitForInput"/>, <see cref="BufferAsync"/>).</summary>
    MqttPacket? TakeBuffered(bool lend)
    {
        if (_input is not { } buffer
            || !BufferedPackets.TryReadHeader(BufferedInput, out var first, out var headerLength, out var bodyLength)
            || headerLength + bodyLength > _inputEnd - _inputStart
            || headerLength + bodyLength > shared.MaxPacketSize)
        {
            return null;
        }

        var packet = BufferedPackets.TryDecode(first, buffer, _inputStart + headerLength, bodyLength, Version, lend);
        if (packet is MqttPublishPacket publish && Version == MqttProtocolVersion.V500)
        {
            // No properties, so no topic alias.
            ApplyFlowControl(publish, alias: -1);
        }

        if (packet is not null)
        {
            _inputStart += headerLength + bodyLength;
        }

        return packet;
    }

    /// <summary>Whether <paramref name="payload"/> is this channel's read buffer: the payload of a PUBLISH decoded from
    /// it (<see cref="TakeBuffered"/>), valid until the reader reads on.</summary>
    public bool Lends(byte[] payload) => ReferenceEquals(payload, _input);

    /// <summary>Writes <paramref name="packet"/> behind what was sent before; completes at once unless the client
    /// lags more than the writer's bound behind (see <see cref="PacketWriter"/>).</summary>
    public Task SendAsync(MqttPacket packet)
    {
        var accepting = packet is MqttConnAckPacket { ReasonCode: MqttConnectReasonCode.Success };
        if (accepting)
        {
            AnnounceLimits((MqttConnAckPacket)packet);
        }
        else if (_inboundInFlight is { } inFlight
                 && packet is MqttPubAckPacket or MqttPubCompPacket or MqttPubRecPacket { ReasonCode: >= MqttPubRecReasonCode.UnspecifiedError })
        {
            // Ends the client's QoS 1/2 exchange (a PUBREC with an error code ends a QoS 2 one, MQTT 5 §4.3.3).
            ReleaseInFlight(((MqttPacketWithIdentifier)packet).PacketIdentifier);
        }

        _accepted |= accepting;
        return _writer.SendAsync(packet);
    }

    /// <summary>The PUBACK of the client's QoS 1 PUBLISH <paramref name="packetIdentifier"/>, with the core's
    /// <paramref name="code"/>, or held until its message is committed (<paramref name="held"/>, see
    /// <see cref="HeldAcknowledgement"/>). One that says success at once is written as its four bytes
    /// (<see cref="PacketWriter.SendPubAck"/>), without a packet object or MQTTnet's encoder.</summary>
    public Task SendPubAck(ushort packetIdentifier, MqttPubAckReasonCode code, HeldAcknowledgement? held)
    {
        if (held is not null || code != MqttPubAckReasonCode.Success || packetIdentifier == 0)
        {
            return SendAsync(new MqttPubAckPacket { PacketIdentifier = packetIdentifier, ReasonCode = code, UserProperties = held });
        }

        ReleaseInFlight(packetIdentifier);
        return _writer.SendPubAck(packetIdentifier);
    }

    /// <summary>An MQTT 5 client's QoS 1/2 PUBLISH <paramref name="packetIdentifier"/> is being acknowledged: released
    /// before the answer is written, so the client's next PUBLISH, sent once it reads it, finds the place free.</summary>
    void ReleaseInFlight(ushort packetIdentifier)
    {
        if (_inboundInFlight is { } inFlight)
        {
            lock (inFlight)
            {
                inFlight.Remove(packetIdentifier);
            }
        }
    }

    /// <summary>Closes the connection; a read or write still running fails and gives its buffer back itself.</summary>
    public void Dispose()
    {
        input.Ended();
        stream.Dispose();
    }

    /// <summary>Reads bytes of a packet and counts them, telling the reader's progress: a read that has to wait for
    /// the peer says so, so nobody waits for a packet the client has not finished sending.</summary>
    async ValueTask<int> ReadRestAsync(Memory<byte> into, CancellationToken cancellationToken)
    {
        input.ReadingRest();
        var reading = stream.ReadAsync(into, cancellationToken);
        if (!reading.IsCompleted)
        {
            input.StalledInPacket();
        }

        var read = await reading.ConfigureAwait(false);
        shared.Bytes.CountReceived(read);
        input.Took(read);
        return read;
    }

    /// <summary>MQTT 5 CONNACK properties for the broker's limits (0 omits a property:
    /// 65,535 is the protocol's default Receive Maximum) and the keep-alive the client is held to, if not its own.</summary>
    void AnnounceLimits(MqttConnAckPacket connAck)
    {
        connAck.ReceiveMaximum = shared.Flow.ReceiveMaximum == FlowLimits.MaxTwoByteValue ? (ushort)0 : (ushort)shared.Flow.ReceiveMaximum;
        connAck.TopicAliasMaximum = (ushort)shared.Flow.TopicAliasMaximum;
        connAck.MaximumPacketSize = (uint)shared.MaxPacketSize;
        connAck.ServerKeepAlive = _serverKeepAlive;
    }

    /// <summary>Resolves an MQTT 5 PUBLISH's topic alias (<paramref name="alias"/>, -1 for none) and counts it against the
    /// Receive Maximum; a violation ends the connection with the core's reason code.</summary>
    void ApplyFlowControl(MqttPublishPacket publish, int alias)
    {
        var topic = _topicAliases!.Resolve(publish.Topic ?? string.Empty, alias, out var reason);
        if (reason != FlowReasons.Accepted)
        {
            throw new BadPacketException(reason == FlowReasons.TopicAliasInvalid
                    ? $"topic alias {alias} outside 1..{shared.Flow.TopicAliasMaximum}"
                    : $"topic alias {alias} used before it was defined",
                (MqttDisconnectReasonCode)reason);
        }

        // Resolved here: the topic is what the broker routes by.
        publish.Topic = topic;
        publish.TopicAlias = 0;
        if (publish.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce)
        {
            return;
        }

        int count;
        var inFlight = _inboundInFlight!;
        lock (inFlight)
        {
            inFlight.Add(publish.PacketIdentifier);
            count = inFlight.Count;
        }

        if (shared.Flow.ExceedsReceiveMaximum(count))
        {
            throw new BadPacketException($"{count} unacknowledged QoS 1/2 PUBLISHes, Receive Maximum {shared.Flow.ReceiveMaximum}",
                MqttDisconnectReasonCode.ReceiveMaximumExceeded);
        }
    }

    static readonly byte[] UnacceptableProtocolVersion = [0x20, 0x02, 0x00, 0x01];

    async Task<bool> DecodeConnectAsync(Frame frame, CancellationToken cancellationToken)
    {
        try
        {
            _connect = Decode(frame) as MqttConnectPacket;
            if (_connect is { WillFlag: true } && !TopicValidator.IsValidTopicName(_connect.WillTopic))
            {
                // Its UTF-8 was checked before MQTTnet decoded it: empty, or a wildcard [MQTT-3.1.2-9], [MQTT-4.7.3-1].
                throw new BadPacketException("a will topic that is not a valid topic name (empty or with a wildcard) [MQTT-3.3.2-2]",
                    MqttDisconnectReasonCode.TopicNameInvalid);
            }

            _connectSessionExpiry = _connect?.SessionExpiryInterval ?? 0;
            if (_connect is not null && Version == MqttProtocolVersion.V500)
            {
                NegotiateKeepAlive(_connect);
                _topicAliases = new InboundTopicAliases(shared.Flow.TopicAliasMaximum);
                _inboundInFlight = [];
            }

            return _connect is not null;
        }
        catch (BadPacketException bad) when (bad.InnerException is MqttProtocolViolationException violation
                                             && violation.Message.Contains(EmptyClientIdWithoutCleanSession, StringComparison.Ordinal))
        {
            var refusal = ConnAckRefusal.Of(MqttConnectReasonCode.ClientIdentifierNotValid, MqttConnectReturnCode.ConnectionRefusedIdentifierRejected);
            await _writer.SendAsync(refusal).ConfigureAwait(false);
            await _writer.DrainAsync(cancellationToken).ConfigureAwait(false);
            shared.Problems.Report(source, "CONNECT with an empty client ID and clean session 0, answered with CONNACK 0x02");
            return false;
        }
    }

    /// <summary>Holds an MQTT 5 client to the core's keep-alive bound: the broker's keep-alive sweep reads the
    /// CONNECT's keep-alive (and closes after 1.5 times it), the CONNACK tells the client as Server Keep Alive.</summary>
    void NegotiateKeepAlive(MqttConnectPacket connect)
    {
        var granted = shared.Flow.KeepAliveFor(connect.KeepAlivePeriod);
        if (granted != connect.KeepAlivePeriod)
        {
            connect.KeepAlivePeriod = (ushort)granted;
            _serverKeepAlive = (ushort)granted;
        }
    }

    MqttPacket Decode(Frame frame)
    {
        MqttPacket? packet;
        try
        {
            packet = PacketFormatters.Decode(Version, frame.ToReceivedPacket());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new BadPacketException($"malformed packet of type {frame.Type} ({e.Message})", MqttDisconnectReasonCode.MalformedPacket, e);
        }

        return packet ?? throw new BadPacketException($"malformed packet of type {frame.Type}", MqttDisconnectReasonCode.MalformedPacket);
    }

    /// <summary>MQTT 5 wants a DISCONNECT with the reason before the server closes a connection whose CONNECT it
    /// accepted; before that, and on 3.1.1, the connection is only closed.</summary>
    async Task DisconnectWithReasonAsync(MqttDisconnectReasonCode reason, string? reasonString)
    {
        if (!_accepted || Version != MqttProtocolVersion.V500)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(DisconnectTimeout);
            await _writer.SendAsync(new MqttDisconnectPacket { ReasonCode = reason, ReasonString = reasonString }).WaitAsync(timeout.Token).ConfigureAwait(false);
            await _writer.DrainAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionLoss(e) || e is MqttCommunicationException)
        {
            // The client is gone or does not read: closing is all that is left.
        }
    }

    /// <summary>Reads one packet's fixed header and body; null when the connection ended first (its input buffer
    /// is then the pool's again).</summary>
    async ValueTask<Frame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        // The first byte, then the remaining length's bytes, buffered one more at a time until the header is whole.
        byte first;
        int headerLength;
        int remaining;
        while (!BufferedPackets.TryReadHeader(BufferedInput, out first, out headerLength, out remaining))
        {
            var buffered = _inputEnd - _inputStart;
            if (buffered >= 5)
            {
                throw new BadPacketException("a remaining length longer than four bytes", MqttDisconnectReasonCode.MalformedPacket);
            }

            if (!await BufferAsync(Math.Max(2, buffered + 1), cancellationToken).ConfigureAwait(false))
            {
                ReleaseInput();
                return null;
            }
        }

        var size = headerLength + remaining;
        if (size > shared.MaxPacketSize)
        {
            throw new BadPacketException($"a packet of {size} bytes, limit {shared.MaxPacketSize}", MqttDisconnectReasonCode.PacketTooLarge);
        }

        PacketRules.CheckFixedHeader(first, remaining, Version);
        Consume(headerLength);
        var frame = new Frame(first, remaining, size);
        if (!await ReadBodyAsync(frame, cancellationToken).ConfigureAwait(false))
        {
            frame.Dispose();
            return null;
        }

        return frame;
    }

    /// <summary>Reads the body into pooled buffers that grow only as its bytes arrive: first what is buffered, then
    /// straight from the connection (never past the body's end, so nothing of the next packet).</summary>
    async ValueTask<bool> ReadBodyAsync(Frame frame, CancellationToken cancellationToken)
    {
        var length = frame.Length;
        var received = 0;
        while (received < length)
        {
            if (frame.Buffer.Length == received)
            {
                frame.Grow(Math.Min(length, Math.Max(FirstBodyBuffer, received * 2)), received);
            }

            var into = frame.Buffer.AsMemory(received, Math.Min(frame.Buffer.Length, length) - received);
            int read;
            if (_input is not null)
            {
                read = Math.Min(into.Length, _inputEnd - _inputStart);
                _input.AsSpan(_inputStart, read).CopyTo(into.Span);
                Consume(read);
            }
            else
            {
                read = await ReadRestAsync(into, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return false;
                }
            }

            received += read;
        }

        return true;
    }

    /// <summary>The bytes read and not consumed yet.</summary>
    ReadOnlySpan<byte> BufferedInput => _input is null ? default : _input.AsSpan(_inputStart, _inputEnd - _inputStart);

    /// <summary>Makes <paramref name="count"/> bytes (at most <see cref="InputBuffer"/>) available from
    /// <see cref="_inputStart"/>; false when the connection ended first. The callers wait for a packet's first bytes
    /// with a zero-byte read, so a buffer is taken from the pool only once data is there.</summary>
    async ValueTask<bool> BufferAsync(int count, CancellationToken cancellationToken)
    {
        while (_inputEnd - _inputStart < count)
        {
            if (_input is null)
            {
                _input = ArrayPool<byte>.Shared.Rent(InputBuffer);
            }
            else if (_inputStart > 0)
            {
                _input.AsSpan(_inputStart, _inputEnd - _inputStart).CopyTo(_input);
                _inputEnd -= _inputStart;
                _inputStart = 0;
            }

            var read = await ReadRestAsync(_input.AsMemory(_inputEnd, InputBuffer - _inputEnd), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _inputEnd += read;
        }

        return true;
    }

    /// <summary>Marks <paramref name="count"/> buffered bytes as read; the buffer goes back to the pool once all are.</summary>
    void Consume(int count)
    {
        _inputStart += count;
        if (_inputStart == _inputEnd)
        {
            ReleaseInput();
        }
    }

    /// <summary>Gives the input buffer back to the pool. Only the reading side calls this (never while a read into the
    /// buffer may be running); a buffer left when a connection ends otherwise is left to the GC.</summary>
    void ReleaseInput()
    {
        if (_input is { } input)
        {
            _input = null;
            _inputStart = 0;
            _inputEnd = 0;
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>What every channel of a listener shares, made once per listener: kept in each channel, these four
    /// would cost every idle connection 28 bytes.</summary>
    /// <param name="maxPacketSize">The largest packet a client may send, in bytes.</param>
    /// <param name="flow">The broker's MQTT 5 flow limits, announced in the CONNACK and enforced on input.</param>
    /// <param name="problems">Where malformed input is reported, once per source address.</param>
    /// <param name="bytes">The broker's totals of MQTT bytes read and written.</param>
    public sealed class Shared(int maxPacketSize, FlowLimits flow, ConnectionProblems problems, ByteCounters bytes)
    {
        public int MaxPacketSize => maxPacketSize;

        public FlowLimits Flow => flow;

        public ConnectionProblems Problems => problems;

        public ByteCounters Bytes => bytes;
    }

    static bool IsConnectionLoss(Exception e) =>
        e is OperationCanceledException or IOException or SocketException or ObjectDisposedException;

    /// <summary>One packet as read: its first byte and its body in a buffer lent by the shared pool until disposed.</summary>
    sealed class Frame(byte firstByte, int length, int totalLength) : IDisposable
    {
        public byte FirstByte => firstByte;

        public int Type => firstByte >> 4;

        public int Length => length;

        public byte[] Buffer { get; private set; } = [];

        public ReadOnlySpan<byte> Body => Buffer.AsSpan(0, length);

        /// <summary>Moves the <paramref name="kept"/> bytes read so far into a pooled buffer of at least
        /// <paramref name="size"/> bytes.</summary>
        public void Grow(int size, int kept)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.AsSpan(0, kept).CopyTo(bigger);
            Dispose();
            Buffer = bigger;
        }

        public ReceivedMqttPacket ToReceivedPacket() => new(firstByte, new ArraySegment<byte>(Buffer, 0, length), totalLength);

        public void Dispose()
        {
            if (Buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = [];
            }
        }
    }
}
