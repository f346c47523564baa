using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Text;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// One client's TCP connection: a thread that reads one packet at a time (blocking — nanoFramework has neither
    /// <c>Socket.Select</c> nor non-blocking sockets) and hands it to the <see cref="ClientProtocol"/>, and the
    /// outgoing queue the <see cref="Transmitter"/> drains. To the core it is the client's
    /// <see cref="IClientConnection"/>: a routed message is encoded into the queue at once, so the payload it borrows
    /// from the publisher's receive buffer is never kept and nothing is allocated.
    /// </summary>
    public sealed class RelayConnection : RelayInput, IClientConnection
    {
        /// <summary>Most bytes handed to the socket at once: less than a writable socket has room for (Linux: a third of
        /// its send buffer; lwIP: two segments), so a send never blocks the transmitter on a client that stops reading.</summary>
        const int SendChunkBytes = 1024;

        /// <summary><see cref="_deadline"/> while the reader expects no packet.</summary>
        const int NoDeadline = 0;

        readonly Socket _socket;
        readonly RelayContext _context;
        readonly OutgoingQueue _outgoing;
        readonly ClientProtocol _protocol;
        readonly PacketReader _reader;
        readonly byte[] _oneByte = new byte[1];
        readonly object _sendSync = new object();
        readonly long _channelNumber;

        /// <summary>QoS 1 deliveries the core tagged, by packet identifier, and those to resend (under the outgoing queue's
        /// lock); created with the first, as only persistent sessions get tagged deliveries.</summary>
        TaggedDeliveries _taggedDeliveries;

        int _nextPacketId;

        /// <summary>When the socket stopped taking bytes (Unix ms; 0 while it takes them), under the send lock.</summary>
        long _stalledSinceMs;

        /// <summary>
        /// By when the packet the reader waits for must have arrived whole (<see cref="Tick"/>), or
        /// <see cref="NoDeadline"/> while none is expected (a packet being handled, or a client without keep-alive).
        /// Written by the reader thread only; the housekeeping thread closes the connection once it has passed
        /// (<see cref="IsOverdue"/>). A deadline for the whole packet, not a socket receive timeout: that one restarts
        /// with every byte, so a client sending a byte a second was never closed and held its thread and socket (the
        /// device has 16 sockets in all). One int: it fills what the object's alignment left unused (an idle client
        /// measured no more than before); the keep-alive it is computed from is the protocol's.
        /// </summary>
        int _deadline;
        bool _holdOutput;
        int _terminated;
        bool _closed;
        Thread _thread;

        public RelayConnection(Socket socket, RelayContext context)
        {
            _socket = socket;
            _context = context;
            _channelNumber = ChannelIds.NextNumber();
            _outgoing = new OutgoingQueue(context.Buffers, context.Settings.MaxQueuedBytesPerClient);
            _protocol = new ClientProtocol(this, context);
            _reader = new PacketReader(context.Strings);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.NoDelay, true);

            // A client with keep-alive 0 that loses power sends nothing again: without TCP keep-alive its socket (one of
            // 16 on the device) and thread stayed until a takeover. lwIP's probes end it after about two hours.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SendTimeout = context.Settings.SendTimeoutSeconds * 1000;

            // The whole CONNECT within connect_timeout_seconds of the accept, however it trickles in.
            _deadline = DeadlineIn(context.Settings.ConnectTimeoutSeconds * 1000);
        }

        /// <summary>Formatted when asked (presence events and log lines), not kept.</summary>
        public string ChannelId
        {
            get { return ChannelIds.Format(_channelNumber); }
        }

        /// <summary>The client's <c>ip:port</c> once its CONNECT was accepted (kept by its protocol), else null.</summary>
        public string ClientAddress
        {
            get { return _protocol.ClientAddress; }
        }

        /// <summary>The client ID once its CONNECT was accepted, else null.</summary>
        public string ClientId
        {
            get { return _protocol.ClientId; }
        }

        /// <summary>Who the client proved to be once its CONNECT was accepted, else null.</summary>
        public AuthenticatedClient Authenticated
        {
            get { return _protocol.Authenticated; }
        }

        protected override Socket InputSocket
        {
            get { return _socket; }
        }

        /// <summary>Set and cleared by the <see cref="Transmitter"/> under its lock.</summary>
        internal bool IsScheduled { get; set; }

        /// <summary>Starts the connection's reader thread.</summary>
        public void Start()
        {
            _thread = new Thread(Run);
            _thread.Start();
        }

        /// <summary>Reads and handles packets until the connection ends, then cleans up (the reader thread's body).</summary>
        public void Run()
        {
            try
            {
                while (!_closed && ReceiveAndHandle())
                {
                }
            }
            catch (MalformedPacketException e)
            {
                _context.ReportProblem(SourceAddress(), Describe(), e.Message);
            }
            catch (FlashStoreException e)
            {
                // The store could not keep what this client did (no room, or the flash failed): the client may retry.
                _context.Log.Warning("Closed connection " + Describe() + ": " + e.Message);
            }
            catch (SocketException)
            {
                // The network ended it (a reset), or Close() did while the thread waited.
            }
            catch (ObjectDisposedException)
            {
                // Closed by Close() (takeover, shutdown, a stalled reader, a missed deadline) while the thread waited.
            }
            catch (Exception e)
            {
                // A fault of ours, not the client's: this connection ends, the relay serves the others.
                _context.Log.Warning("Closed connection " + Describe() + " after an unexpected error: " + e);
            }
            finally
            {
                EndSafely();
            }
        }

        /// <summary>Cleans up at the end of the reader thread, where nothing may escape: an uncaught exception would end
        /// the process on .NET and leave the connection counted on the device.</summary>
        void EndSafely()
        {
            try
            {
                Terminate();
            }
            catch (Exception e)
            {
                _context.Log.Warning("Cleaning up connection " + Describe() + " failed: " + e);
            }
        }

        /// <summary>Reads one packet and handles it; false when the connection is to end (DISCONNECT, peer closed,
        /// refused CONNECT). Malformed input throws <see cref="MalformedPacketException"/>.</summary>
        public bool ReceiveAndHandle()
        {
            AwaitingPacket();
            int keepAliveSeconds = _protocol.KeepAliveSeconds;
            if (keepAliveSeconds != 0)
            {
                // [MQTT-3.1.2-24]: a whole packet within one and a half keep-alive periods. Counted from when the reader
                // is ready for it, so time the relay spent handling the previous one is never held against the client.
                // Before the CONNECT is accepted there is no keep-alive, and the constructor's deadline stands.
                _deadline = DeadlineIn(keepAliveSeconds * 1500);
            }

            int first = ReceiveByte(true);
            if (first < 0)
            {
                return false;
            }

            int type = FixedHeader.TypeOf(first);
            int remaining = 0;
            int lengthBytes = 0;
            while (true)
            {
                int lengthByte = ReceiveByte(false);
                if (lengthByte < 0)
                {
                    throw new MalformedPacketException("connection closed inside a fixed header");
                }

                remaining = FixedHeader.AddLengthByte(remaining, lengthBytes, lengthByte);
                lengthBytes++;
                if (FixedHeader.IsLastLengthByte(lengthByte))
                {
                    break;
                }
            }

            int packetSize = 1 + lengthBytes + remaining;
            if (packetSize > _context.Settings.MaxPacketSize)
            {
                throw new MalformedPacketException("packet of " + packetSize + " bytes, limit " + _context.Settings.MaxPacketSize);
            }

            PooledBuffer body = null;
            try
            {
                if (remaining > 0)
                {
                    body = _context.Buffers.Rent(remaining);
                    ReceiveExactly(body.Bytes, remaining);
                    _reader.Reset(body.Bytes, 0, remaining);
                }
                else
                {
                    _reader.Reset(_oneByte, 0, 0);
                }

                // The packet is whole: only now is the deadline met (a CONNECT's too). The client owes nothing while
                // the relay handles it.
                _deadline = NoDeadline;
                return _protocol.Handle(type, first & 0x0F, _reader);
            }
            finally
            {
                if (body != null)
                {
                    _context.Buffers.Return(body);
                }
            }
        }

        /// <summary>Ends the connection from any thread (session takeover, shutdown): its reader wakes up and cleans up.</summary>
        public void Close()
        {
            _closed = true;
            try
            {
                _socket.Close();
            }
            catch (Exception)
            {
                // Already closed.
            }
        }

        /// <summary>Waits for the reader thread to finish.</summary>
        public void WaitForEnd()
        {
            if (_thread != null)
            {
                _thread.Join();
            }
        }

        /// <summary>Cleans up once: closes the socket, lets the protocol publish the will and tell the core, gives the
        /// buffers back.</summary>
        public void Terminate()
        {
            if (Interlocked.Exchange(ref _terminated, 1) != 0)
            {
                return;
            }

            Close();
            Ended();
            try
            {
                _protocol.ConnectionEnded();
            }
            finally
            {
                // Even when telling the core failed: the buffers and the client's place are given back.
                lock (_sendSync)
                {
                    _outgoing.Release();
                }

                _context.Forget(this);
            }
        }

        /// <summary>
        /// Sends what is queued as far as the socket takes it without waiting (the transmitter's work; the reader uses it
        /// for a last CONNACK before closing). Returns true when bytes are left because the client is not reading: the
        /// transmitter comes back later and serves the other clients meanwhile. A client that reads nothing for
        /// <see cref="RelaySettings.SendTimeoutSeconds"/> is disconnected. Once everything is sent the core hears that
        /// the queue has room (the rest of a SUBSCRIBE's retained messages follow).
        /// </summary>
        public bool Flush()
        {
            bool emptied = false;
            lock (_sendSync)
            {
                while (!_holdOutput)
                {
                    int start;
                    int count;
                    PooledBuffer buffer = _outgoing.Peek(out start, out count);
                    if (buffer == null || count == 0)
                    {
                        emptied = buffer == null;
                        break;
                    }

                    try
                    {
                        if (!_socket.Poll(0, SelectMode.SelectWrite))
                        {
                            return Stalled();
                        }

                        int sent = _socket.Send(buffer.Bytes, start, count < SendChunkBytes ? count : SendChunkBytes, SocketFlags.None);
                        _context.Bytes.CountSent(sent);
                        _outgoing.Sent(buffer, sent);
                    }
                    catch (Exception)
                    {
                        // Send timeout or a dead socket: that client is done.
                        Close();
                        return false;
                    }
                }

                _stalledSinceMs = 0;
            }

            if (emptied && !_closed)
            {
                _context.Core.OutboundRoom(_protocol.ClientId, this);
            }

            return false;
        }

        /// <summary>The socket takes no more bytes: true to be tried again, false once the client has been disconnected
        /// for not reading too long.</summary>
        bool Stalled()
        {
            // The interval clock: SNTP steps the wall clock when it first learns the time, which would close a reader at once.
            long nowMs = Clock.MonotonicMs();
            if (_stalledSinceMs == 0)
            {
                _stalledSinceMs = nowMs;
                return true;
            }

            if (nowMs - _stalledSinceMs < _context.Settings.SendTimeoutSeconds * 1000L)
            {
                return true;
            }

            _context.Log.Warning("Closed connection " + Describe() + ": it read nothing for " + _context.Settings.SendTimeoutSeconds
                + " s while " + _outgoing.QueuedBytes + " bytes waited for it");
            Close();
            return false;
        }

        /// <summary>The core routes a message to this client: encode it into the queue now.</summary>
        public bool Send(RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long deliveryTag, bool duplicate)
        {
            if (_closed)
            {
                return false;
            }

            string topic = message.Topic;
            int topicBytes = Utf8.EncodedLength(topic);
            int size = PacketWriter.PublishSize(topicBytes, message.PayloadLength, qos);
            lock (_outgoing.SyncRoot)
            {
                if (!_context.OutboundLimits.Admits(qos, _outgoing.QueuedPackets, _outgoing.QueuedBytes, size))
                {
                    return false;
                }

                // The delivery is tracked before its bytes are reserved, so a refusal leaves no reserved, unwritten
                // buffer in the queue.
                int packetId = 0;
                bool tracked = qos > 0 && deliveryTag != 0;
                if (qos > 0)
                {
                    packetId = deliveryTag > 0 && _taggedDeliveries != null ? _taggedDeliveries.TakeResent(deliveryTag, duplicate) : 0;
                    if (packetId == 0)
                    {
                        packetId = NextPacketId();
                    }

                    if (tracked && !Tagged().Track(packetId, deliveryTag))
                    {
                        return false;
                    }
                }

                bool overBound;
                PooledBuffer buffer = _outgoing.ReserveMessage(size, qos, out overBound);
                if (buffer == null)
                {
                    if (tracked)
                    {
                        _taggedDeliveries.Complete(packetId);
                    }

                    if (overBound)
                    {
                        RefusedForBufferBound(qos);
                    }

                    return false;
                }

                PacketWriter.WritePublish(buffer.Bytes, buffer.Count, topic, topicBytes, message.Payload,
                    message.PayloadOffset, message.PayloadLength, qos, retain, duplicate, packetId);
                _outgoing.Commit(buffer, size);
                if (_holdOutput)
                {
                    return true;
                }
            }

            _context.Transmitter.Schedule(this);
            return true;
        }

        /// <summary>A message the pool's bound refused (the core drops or keeps it as for a full queue; the queue, not
        /// empty, tells the core when it has room): logged the first time, then at most once a minute. Under the queue's
        /// lock.</summary>
        void RefusedForBufferBound(int qos)
        {
            string tally;
            if (_context.BufferRefusals.ShouldReport(out tally))
            {
                _context.Log.Warning("Refused a QoS " + qos + " message for the connection " + Describe() + ": the relay's buffers are at "
                    + RelaySettings.MaxBufferBytesKey + " (" + _context.Buffers.MaxBytes + " bytes), held by clients that read slowly; "
                    + "QoS 0 and clean sessions' messages are dropped, persistent sessions' QoS 1 stays stored" + tally);
            }
        }

        /// <summary>The client acknowledged the QoS 1 delivery <paramref name="packetId"/>: its delivery tag, or 0.</summary>
        internal long CompleteDelivery(int packetId)
        {
            lock (_outgoing.SyncRoot)
            {
                return _taggedDeliveries == null ? 0 : _taggedDeliveries.Complete(packetId);
            }
        }

        public void ResendWith(PacketIdentifiers resends)
        {
            lock (_outgoing.SyncRoot)
            {
                Tagged().ResendWith(resends);
            }
        }

        public void CopyUnacknowledged(PacketIdentifiers into)
        {
            lock (_outgoing.SyncRoot)
            {
                if (_taggedDeliveries != null)
                {
                    _taggedDeliveries.CopyUnacknowledged(into);
                }
            }
        }

        /// <summary>
        /// Now on the clock deadlines are kept on: the low 32 bits of the interval clock (<see cref="Clock.MonotonicMs"/>),
        /// compared by difference. Monotonic, unlike the wall clock (the device's jumps decades when SNTP sets it at
        /// start-up); and an int, which every runtime reads and writes whole while the reader and the housekeeping thread
        /// share it (nanoFramework has no 64-bit Interlocked). The difference holds for deadlines less than 24 days ahead
        /// — the furthest, 1.5 × 65,535 s, is 27 hours — looked at every second.
        /// </summary>
        internal static int Tick()
        {
            return unchecked((int)Clock.MonotonicMs());
        }

        /// <summary>Whether the connection is closing (<see cref="Close"/>): it takes no more messages, as a full queue
        /// takes none, and its reader is about to end it.</summary>
        internal bool IsClosing
        {
            get { return _closed; }
        }

        /// <summary>Whether the expected packet's deadline has passed at <paramref name="now"/> (<see cref="Tick"/>) on a
        /// connection not closed yet; the housekeeping thread asks, once a second.</summary>
        internal bool IsOverdue(int now)
        {
            int deadline = _deadline;
            return deadline != NoDeadline && unchecked(now - deadline) >= 0 && !_closed;
        }

        static int DeadlineIn(int milliseconds)
        {
            int deadline = unchecked(Tick() + milliseconds);

            // The one tick value that means none: a millisecond later instead.
            return deadline == NoDeadline ? deadline + 1 : deadline;
        }

        /// <summary>Closes the connection if it is still <see cref="IsOverdue"/> (a packet may have completed since it
        /// was found so), saying why once; its reader then ends it as it ends every closed connection. A CONNECT that never
        /// completed and a packet trickling in too slowly are the client's problem, reported as the relay's other
        /// connection problems are (once per address a minute); a client that fell silent is routine (a sensor lost its
        /// power or network) and only noted.</summary>
        internal void CloseIfOverdue(int now)
        {
            if (!IsOverdue(now))
            {
                return;
            }

            if (ClientId == null)
            {
                int received = Taken;
                _context.ReportProblem(SourceAddress(), Describe(), received == 0
                    ? "no CONNECT within " + _context.Settings.ConnectTimeoutSeconds + " s"
                    : "no complete CONNECT within " + _context.Settings.ConnectTimeoutSeconds + " s (" + received + (received == 1 ? " byte" : " bytes") + " of it arrived)");
            }
            else if (IsInRead)
            {
                _context.ReportProblem(SourceAddress(), Describe(), "no complete packet within 1.5 times its keep-alive of "
                    + _protocol.KeepAliveSeconds + " s (one was arriving too slowly)");
            }
            else
            {
                _context.Log.Info("Closed connection " + Describe() + ": no packet within 1.5 times its keep-alive of "
                    + _protocol.KeepAliveSeconds + " s");
            }

            Close();
        }

        /// <summary>
        /// Queues an accepting CONNACK and holds all output until <see cref="ReleaseConnAck"/>: the core delivers a
        /// persistent session's kept messages while it registers the connection, and CONNACK — whose session-present
        /// flag only that registration tells — must still go first ([MQTT-3.2.0-1]). Returns the buffer and
        /// <paramref name="offset"/> the CONNACK lies at (null when the queue is full).
        /// </summary>
        internal PooledBuffer HoldConnAck(out int offset)
        {
            lock (_outgoing.SyncRoot)
            {
                PooledBuffer buffer = _outgoing.Reserve(PacketWriter.ConnAckSize);
                if (buffer == null)
                {
                    offset = 0;
                    return null;
                }

                offset = buffer.Count;
                PacketWriter.WriteConnAck(buffer.Bytes, offset, false, ConnectReturnCode.Accepted);
                _outgoing.Commit(buffer, PacketWriter.ConnAckSize);
                _holdOutput = true;
                return buffer;
            }
        }

        /// <summary>Sets the session-present flag of the CONNACK <see cref="HoldConnAck"/> queued and lets output go.</summary>
        internal void ReleaseConnAck(PooledBuffer buffer, int offset, bool sessionPresent)
        {
            lock (_outgoing.SyncRoot)
            {
                PacketWriter.WriteConnAck(buffer.Bytes, offset, sessionPresent, ConnectReturnCode.Accepted);
                _holdOutput = false;
            }

            _context.Transmitter.Schedule(this);
        }

        /// <summary>Turns the CONNACK <see cref="HoldConnAck"/> queued into a refusal with <paramref name="returnCode"/> and
        /// sends it before the connection closes: the core refused the CONNECT after the CONNACK was held (its session
        /// could not be stored), before it took the connection, so nothing else was queued.</summary>
        internal void RefuseHeldConnAck(PooledBuffer buffer, int offset, int returnCode)
        {
            lock (_outgoing.SyncRoot)
            {
                PacketWriter.WriteConnAck(buffer.Bytes, offset, false, returnCode);
                _holdOutput = false;
            }

            Flush();
        }

        /// <summary>A refusing CONNACK, sent before the connection closes.</summary>
        internal void SendConnAckAndFlush(int returnCode)
        {
            lock (_outgoing.SyncRoot)
            {
                PooledBuffer buffer = _outgoing.Reserve(PacketWriter.ConnAckSize);
                PacketWriter.WriteConnAck(buffer.Bytes, buffer.Count, false, returnCode);
                _outgoing.Commit(buffer, PacketWriter.ConnAckSize);
            }

            Flush();
        }

        /// <summary>PUBACK, PUBREC, PUBCOMP or UNSUBACK; false when the queue is full.</summary>
        internal bool QueueAck(int headerByte, int packetId)
        {
            lock (_outgoing.SyncRoot)
            {
                PooledBuffer buffer = _outgoing.Reserve(PacketWriter.AckSize);
                if (buffer == null)
                {
                    return AnswerNotQueued();
                }

                PacketWriter.WriteAck(buffer.Bytes, buffer.Count, headerByte, packetId);
                _outgoing.Commit(buffer, PacketWriter.AckSize);
            }

            _context.Transmitter.Schedule(this);
            return true;
        }

        internal bool QueueSubAck(int packetId, int[] returnCodes)
        {
            int size = PacketWriter.SubAckSize(returnCodes.Length);
            lock (_outgoing.SyncRoot)
            {
                PooledBuffer buffer = _outgoing.Reserve(size);
                if (buffer == null)
                {
                    return AnswerNotQueued();
                }

                PacketWriter.WriteSubAck(buffer.Bytes, buffer.Count, packetId, returnCodes);
                _outgoing.Commit(buffer, size);
            }

            _context.Transmitter.Schedule(this);
            return true;
        }

        /// <summary>An answer (acknowledgement, SUBACK, PINGRESP) finds the client's queue full — it sends and does not
        /// read —: its reader ends, and the log says why rather than that the client went away. Under the queue's lock.</summary>
        bool AnswerNotQueued()
        {
            _context.Log.Warning("Closed connection " + Describe() + ": it sends but does not read, and its answers fill "
                + RelaySettings.MaxQueuedBytesPerClientKey + " (" + _outgoing.QueuedBytes + " bytes waiting for it)");
            return false;
        }

        internal bool QueuePingResp()
        {
            lock (_outgoing.SyncRoot)
            {
                PooledBuffer buffer = _outgoing.Reserve(PacketWriter.PingRespSize);
                if (buffer == null)
                {
                    return AnswerNotQueued();
                }

                PacketWriter.WritePingResp(buffer.Bytes, buffer.Count);
                _outgoing.Commit(buffer, PacketWriter.PingRespSize);
            }

            _context.Transmitter.Schedule(this);
            return true;
        }

        /// <summary>The client's address and port, read from the socket when asked (at CONNECT): a connection does not
        /// keep them.</summary>
        internal IPEndPoint RemoteEndPoint()
        {
            return (IPEndPoint)_socket.RemoteEndPoint;
        }

        /// <summary>The client's address for the per-source tables, read when needed: a connection does not keep it.</summary>
        string SourceAddress()
        {
            try
            {
                return RemoteEndPoint().Address.ToString();
            }
            catch (Exception)
            {
                return "unknown";
            }
        }

        /// <summary>For log lines: the client ID once known, else the channel.</summary>
        internal string Describe()
        {
            string clientId = _protocol.ClientId;
            return clientId != null ? "of client " + ClientTextForLog.Of(clientId) : "on channel " + ChannelId;
        }

        TaggedDeliveries Tagged()
        {
            if (_taggedDeliveries == null)
            {
                _taggedDeliveries = new TaggedDeliveries(RelaySettings.MaxTrackedDeliveries);
            }

            return _taggedDeliveries;
        }

        /// <summary>The next packet identifier no tagged delivery or resend holds (at most
        /// <see cref="RelaySettings.MaxTrackedDeliveries"/> do). Under the outgoing queue's lock.</summary>
        int NextPacketId()
        {
            do
            {
                _nextPacketId = _nextPacketId == 65535 ? 1 : _nextPacketId + 1;
            }
            while (_taggedDeliveries != null && _taggedDeliveries.Holds(_nextPacketId));

            return _nextPacketId;
        }

        /// <param name="packetStart">Whether this is a packet's first byte, read while waiting for input.</param>
        int ReceiveByte(bool packetStart)
        {
            if (Receive(_oneByte, 0, 1, packetStart) == 0)
            {
                return -1;
            }

            _context.Bytes.CountReceived(1);
            return _oneByte[0];
        }

        void ReceiveExactly(byte[] buffer, int count)
        {
            int received = 0;
            while (received < count)
            {
                int read = Receive(buffer, received, count - received, false);
                if (read == 0)
                {
                    throw new MalformedPacketException("connection closed inside a packet");
                }

                received += read;
            }

            _context.Bytes.CountReceived(count);
        }
    }
}
