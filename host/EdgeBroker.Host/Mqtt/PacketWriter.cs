using System.Buffers;
using System.Text;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Wire;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// Writes one connection's outgoing packets, encoded by MQTTnet's formatter, several per system call when they come
/// faster than one at a time. MQTTnet's own channel adapter made a <c>send()</c> per packet (two for a PUBLISH with a
/// payload), which the profile of issue #15 found to be the host's largest cost (docs/performance.md). Here a packet
/// is copied into a pending buffer, and the pending bytes are written when the work that queued them is done: by a
/// connection's reader once it has handled what it read (<see cref="ReadBatch"/>), on its own thread, so a message
/// arriving alone leaves with the reader's one wake-up; from anywhere else by a flush queued behind the sender's
/// current work, one thread-pool hop later. Either way everything queued meanwhile (a burst of PUBLISHes, the PUBACKs
/// of a burst) leaves in one write, and one flush at a time writes, in order. The pending bytes are bounded: a sender
/// that finds more than <see cref="MaxPendingBytes"/> waiting waits for the flush, so a client that stops reading holds
/// back its sender as before. The buffers come from the shared pool and go back as soon as the pending bytes are
/// written, so an idle connection holds none.
/// <para>
/// A PUBACK whose message the store is still committing (<see cref="HeldAcknowledgement"/>) is held here, with every
/// packet after it, without holding up the connection's reader: the PUBACKs of the messages one commit holds are encoded
/// once it settles and leave in one write.
/// </para>
/// </summary>
/// <param name="bytes">Where the bytes written are counted for the broker's totals.</param>
sealed class PacketWriter(Stream stream, ByteCounters bytes)
{
    /// <summary>Bytes a sender may leave behind without waiting for them to be written: room for a burst of sensor
    /// messages per system call, and the most a connection's pending output adds to the outbound queue limits.</summary>
    const int MaxPendingBytes = 64 * 1024;

    /// <summary>The first pending buffer rented; it doubles while a burst needs more.</summary>
    const int FirstBuffer = 4096;

    /// <summary>Packets that may wait behind acknowledgements whose commit is under way: the reader goes on, and a
    /// sender finding more waiting waits for the flush.</summary>
    const int MaxHeldPackets = 4096;

    /// <summary>The writer itself, which only this class locks: a lock object of its own would cost every idle connection
    /// its 24 bytes.</summary>
    object Sync => this;

    /// <summary>Packets not yet encoded because an acknowledgement before them (the first) waits for its commit
    /// (<see cref="HeldAcknowledgement"/>); null while none are held.</summary>
    Queue<MqttPacket>? _held;
    byte[]? _pending;
    int _pendingLength;

    /// <summary>A flush is writing (or waiting for a commit before it writes): it takes whatever is appended meanwhile.</summary>
    bool _writing;

    /// <summary>A reader has collected this writer (<see cref="ReadBatch.Collect"/>) and writes it before it waits.</summary>
    bool _collected;

    /// <summary>Completed when the current flush has written everything (or the connection failed); made only when
    /// someone waits for it: a sender over the bound, a drain before close.</summary>
    TaskCompletionSource? _written;

    Exception? _failure;

    /// <summary>Told after each write, outside the writer's lock, so that a sender that found the writer
    /// <see cref="IsFull"/> sends what waited; null tells no one.</summary>
    public Action? Written { get; set; }

    /// <summary>The protocol version the packets are encoded in (<see cref="PacketFormatters"/>): the CONNECT's, set
    /// once it is known.</summary>
    public MqttProtocolVersion Version { get; set; }

    /// <summary>Whether the pending packets are over their bound: a sender that need not wait (the core's deliveries)
    /// keeps what it has until the next <see cref="Written"/>.</summary>
    public bool IsFull
    {
        get
        {
            lock (Sync)
            {
                return _pendingLength > MaxPendingBytes || _held?.Count > MaxHeldPackets;
            }
        }
    }

    /// <summary>Encodes <paramref name="packet"/> behind what is pending; completes at once unless the pending bytes
    /// are over their bound, then when the flush has written them. Throws <see cref="MqttCommunicationException"/> once
    /// a write has failed (the connection then ends).</summary>
    public Task SendAsync(MqttPacket packet)
    {
        Send(packet, lent: false, maximumPacketSize: 0, out var written);
        return written;
    }

    /// <summary>As <see cref="SendAsync"/>, for a PUBLISH its sender fills again for its next delivery once this
    /// returns: it is encoded now, or, when it must wait behind an acknowledgement whose commit is under way, a copy
    /// waits. False, and nothing is sent, when the packet as encoded is larger than <paramref name="maximumPacketSize"/>
    /// (the client's Maximum Packet Size; 0: none): measured on the encoding that is written, so the packet is encoded
    /// once (a copy that waits is encoded to measure it, and again when its turn comes).</summary>
    public bool SendLent(MqttPublishPacket packet, long maximumPacketSize) => Send(packet, lent: true, maximumPacketSize, out _);

    /// <summary>
    /// As <see cref="SendLent"/>, for a PUBLISH with nothing for MQTT 5 properties to carry (no topic alias, expiry,
    /// publisher's properties or subscription identifiers: every PUBLISH to an MQTT 3.1.1 client): encoded here straight
    /// into the pending bytes, as MQTTnet's formatter encodes it, without filling a packet object for the formatter to
    /// encode and then copying its encoding. False, and nothing is sent, when it is larger than
    /// <paramref name="maximumPacketSize"/> (0: none).
    /// </summary>
    public bool SendPublish(string topic, byte[] payload, int payloadOffset, int payloadLength, int qos, bool retain, bool duplicate,
        ushort packetIdentifier, long maximumPacketSize)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + (Version == MqttProtocolVersion.V500 ? 1 : 0) + payloadLength;
        var total = 1 + RemainingLength.Size(remaining) + remaining;
        if (maximumPacketSize > 0 && total > maximumPacketSize)
        {
            return false;
        }

        lock (Sync)
        {
            ThrowIfFailed();
            if (_held is not null)
            {
                // Behind an acknowledgement whose commit is under way: waits as a packet with its own payload.
                _held.Enqueue(new MqttPublishPacket
                {
                    Topic = topic,
                    Payload = new ReadOnlySequence<byte>(payload.AsSpan(payloadOffset, payloadLength).ToArray()),
                    QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
                    Retain = retain,
                    Dup = duplicate && qos > 0,
                    PacketIdentifier = packetIdentifier,
                });
            }
            else
            {
                var room = Reserve(total);
                // DUP only on QoS 1 and 2 [MQTT-3.3.1-2] (MQTTnet's encoder throws on a QoS 0 one instead).
                room[0] = (byte)(0x30 | (duplicate && qos > 0 ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0));
                // The core's encoder takes an array: room starts at _pending[_pendingLength].
                var at = 1 + RemainingLength.Write(_pending!, _pendingLength + 1, remaining);
                room[at++] = (byte)(topicLength >> 8);
                room[at++] = (byte)topicLength;
                at += Encoding.UTF8.GetBytes(topic, room[at..]);
                if (qos > 0)
                {
                    room[at++] = (byte)(packetIdentifier >> 8);
                    room[at++] = (byte)packetIdentifier;
                }

                if (Version == MqttProtocolVersion.V500)
                {
                    // No properties.
                    room[at++] = 0;
                }

                payload.AsSpan(payloadOffset, payloadLength).CopyTo(room[at..]);
                _pendingLength += total;
            }

            Appended();
            return true;
        }
    }

    /// <summary>As <see cref="SendAsync"/> for a PUBACK that says success (MQTT 3.1.1 and 5 alike: the type, the length
    /// 2 and the packet identifier), written as its bytes; behind a held acknowledgement it waits as a packet.</summary>
    public Task SendPubAck(ushort packetIdentifier)
    {
        lock (Sync)
        {
            ThrowIfFailed();
            if (_held is not null)
            {
                _held.Enqueue(new MqttPubAckPacket { PacketIdentifier = packetIdentifier });
            }
            else
            {
                var room = Reserve(4);
                room[0] = 0x40;
                room[1] = 0x02;
                room[2] = (byte)(packetIdentifier >> 8);
                room[3] = (byte)packetIdentifier;
                _pendingLength += 4;
            }

            return Appended();
        }
    }

    bool Send(MqttPacket packet, bool lent, long maximumPacketSize, out Task written)
    {
        written = Task.CompletedTask;
        lock (Sync)
        {
            ThrowIfFailed();
            if (_held is not null || HeldAcknowledgement.On(packet) is { IsSettled: false })
            {
                if (maximumPacketSize > 0 && EncodedLength(packet) > maximumPacketSize)
                {
                    return false;
                }

                // Behind an acknowledgement whose commit is under way, so the order stays as they were sent.
                (_held ??= new Queue<MqttPacket>()).Enqueue(lent ? Copy((MqttPublishPacket)packet) : packet);
            }
            else if (!Append(packet, maximumPacketSize))
            {
                return false;
            }

            written = Appended();
            return true;
        }
    }

    /// <summary>Has what was just appended written: by the reader that collects this writer, or by a flush; returns what
    /// the sender waits for (the flush, when over the bound). Under <see cref="Sync"/>.</summary>
    Task Appended()
    {
        var full = _pendingLength > MaxPendingBytes || _held?.Count > MaxHeldPackets;
        if (!_writing)
        {
            // A reader writes what it collected before it waits; over the bound, or appended outside a reader, the
            // bytes leave one hop later.
            if (full || !(_collected || (_collected = ReadBatch.Collect(this))))
            {
                StartFlush();
            }

            return Task.CompletedTask;
        }

        return full ? WhenWritten() : Task.CompletedTask;
    }

    /// <summary>The reader that collected this writer is about to wait for input: the pending bytes are written now, on
    /// its thread, unless a flush is already writing them. A write that cannot complete at once goes on asynchronously.</summary>
    public void WriteCollected()
    {
        lock (Sync)
        {
            _collected = false;
            if (_writing || _failure is not null || (_pendingLength == 0 && _held is null))
            {
                return;
            }

            _writing = true;
        }

        _ = FlushAsync(yieldFirst: false);
    }

    /// <summary>Encodes <paramref name="packet"/> at the end of the pending bytes, a held acknowledgement with the
    /// outcome of its commit; false when it is not appended: larger as encoded than <paramref name="maximumPacketSize"/>
    /// (0: no limit), or an acknowledgement whose commit failed on an MQTT 3.1.1 connection, which is closed instead (no
    /// PUBACK: the client sends the message again). Under <see cref="Sync"/>.</summary>
    bool Append(MqttPacket packet, long maximumPacketSize = 0)
    {
        if (HeldAcknowledgement.On(packet) is { } held && !held.Release(packet, Version == MqttProtocolVersion.V500))
        {
            Close(new MqttCommunicationException("The store could not keep a message of this MQTT 3.1.1 connection: closed without its PUBACK"));
            return false;
        }

        using (var lent = PacketFormatters.Encode(Version, packet))
        {
            var encoded = lent.Buffer;
            if (maximumPacketSize > 0 && encoded.Length > maximumPacketSize)
            {
                return false;
            }

            var room = Reserve(encoded.Length);
            encoded.Packet.AsSpan().CopyTo(room);
            encoded.Payload.CopyTo(room[encoded.Packet.Count..]);
            _pendingLength += encoded.Length;
        }

        return true;
    }

    /// <summary>The length of <paramref name="packet"/> encoded.</summary>
    int EncodedLength(MqttPacket packet)
    {
        using var lent = PacketFormatters.Encode(Version, packet);
        return lent.Buffer.Length;
    }

    /// <summary>Moves the held packets whose turn has come — up to the first acknowledgement whose commit is still under
    /// way — into the pending bytes; returns what the first still held waits for, or null. Under <see cref="Sync"/>.</summary>
    Task? AppendReleased()
    {
        while (_held is { } held && _failure is null)
        {
            var next = held.Peek();
            if (HeldAcknowledgement.On(next) is { IsSettled: false } waiting)
            {
                return waiting.WhenSettled();
            }

            held.Dequeue();
            if (held.Count == 0)
            {
                _held = null;
            }

            Append(next);
        }

        return null;
    }

    /// <summary>Completes once everything sent so far has been written (or the connection failed): before a close, so
    /// that a refusing CONNACK or a DISCONNECT with its reason reaches the client.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        Task written;
        lock (Sync)
        {
            if (_failure is not null)
            {
                return;
            }

            if (!_writing)
            {
                if (_pendingLength == 0 && _held is null)
                {
                    return;
                }

                // Collected by a reader that is closing the connection instead of reading on.
                StartFlush();
            }

            written = WhenWritten();
        }

        await written.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Has a flush write the pending bytes one thread-pool hop later. Under <see cref="Sync"/>.</summary>
    void StartFlush()
    {
        _writing = true;
        _ = FlushAsync(yieldFirst: true);
    }

    /// <summary>Completes once the current flush has written everything. Under <see cref="Sync"/>, while <see cref="_writing"/>.</summary>
    Task WhenWritten() => (_written ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The flush is over: whoever waited for it goes on (on the thread pool, not under the lock). Under
    /// <see cref="Sync"/>.</summary>
    void FlushEnded()
    {
        _writing = false;
        _written?.TrySetResult();
        _written = null;
    }

    /// <summary>Room for <paramref name="length"/> more bytes at the end of the pending buffer. Under <see cref="Sync"/>.</summary>
    Span<byte> Reserve(int length)
    {
        var needed = _pendingLength + length;
        if (_pending is null || _pending.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _pending is null ? FirstBuffer : 2 * _pending.Length));
            if (_pending is not null)
            {
                _pending.AsSpan(0, _pendingLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_pending);
            }

            _pending = bigger;
        }

        return _pending.AsSpan(_pendingLength, length);
    }

    /// <summary>Writes the pending bytes until none are left. Queued behind a sender's current work it first yields,
    /// so that it takes everything that work queued in one write; from a reader that has handled what it read
    /// (<see cref="WriteCollected"/>) it writes at once, and runs on that thread for as long as the writes complete at
    /// once.</summary>
    async Task FlushAsync(bool yieldFirst)
    {
        if (yieldFirst)
        {
            await Task.Yield();
        }

        byte[]? spare = null;
        while (true)
        {
            byte[] chunk;
            int length;
            Task? settling;
            lock (Sync)
            {
                settling = AppendReleased();
                if (_failure is not null)
                {
                    Return(spare);
                    return;
                }

                if (_pendingLength == 0 && settling is null)
                {
                    Return(_pending);
                    Return(spare);
                    _pending = null;
                    FlushEnded();
                    return;
                }

                chunk = _pending!;
                length = _pendingLength;
                if (length > 0)
                {
                    _pending = spare;
                    _pendingLength = 0;
                }
            }

            if (length == 0)
            {
                // Everything pending waits for a commit: every acknowledgement it settles leaves in one write.
                await settling!.ConfigureAwait(false);
                continue;
            }

            try
            {
                await stream.WriteAsync(chunk.AsMemory(0, length)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The spare buffer is the pending one now: Close gives it back.
                Return(chunk);
                Close(e);
                return;
            }

            bytes.CountSent(length);
            Written?.Invoke();
            spare = chunk;
        }
    }

    /// <summary>The connection is unusable (a write failed) or must end (a held acknowledgement may not be sent): it is
    /// closed (its reader then ends it), and every later send fails.</summary>
    void Close(Exception e)
    {
        lock (Sync)
        {
            _failure = e;
            Return(_pending);
            _pending = null;
            _pendingLength = 0;
            _held = null;
            FlushEnded();
        }

        stream.Dispose();
    }

    void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new MqttCommunicationException("The connection is closed: " + failure.Message, failure);
        }
    }

    /// <summary>A lent PUBLISH's own copy, to wait behind a held acknowledgement: with its own payload, as the
    /// message's may be borrowed from a publisher's read buffer for the routing call only
    /// (<see cref="EdgeBroker.Core.Routing.RoutedMessage.IsBorrowed"/>).</summary>
    static MqttPublishPacket Copy(MqttPublishPacket lent) => new()
    {
        Topic = lent.Topic,
        Payload = new ReadOnlySequence<byte>(lent.Payload.ToArray()),
        QualityOfServiceLevel = lent.QualityOfServiceLevel,
        Retain = lent.Retain,
        Dup = lent.Dup,
        PacketIdentifier = lent.PacketIdentifier,
        TopicAlias = lent.TopicAlias,
        MessageExpiryInterval = lent.MessageExpiryInterval,
        ContentType = lent.ContentType,
        CorrelationData = lent.CorrelationData,
        PayloadFormatIndicator = lent.PayloadFormatIndicator,
        ResponseTopic = lent.ResponseTopic,
        UserProperties = lent.UserProperties,
        SubscriptionIdentifiers = lent.SubscriptionIdentifiers,
    };

    static void Return(byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
