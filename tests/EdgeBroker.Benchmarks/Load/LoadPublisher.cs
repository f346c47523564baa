using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using EdgeBroker.Benchmarks.Cases;
using EdgeBroker.Core.Wire;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>What one publisher did in one phase.</summary>
public readonly record struct PublishStats(int Sent, int Failed, string? FirstError, long LastSendTimestamp);

/// <summary>
/// Publisher i of a case: sends numbered, timestamped messages to its receiver's topic over its own
/// <see cref="LoadConnection"/>, with up to <c>window</c> QoS 1 publishes awaiting their PUBACK. A phase runs on one
/// thread of its own, which sends and reads the PUBACKs in turn: with the window full it waits in <c>recv</c> and sends
/// as many as came back (no second thread to wake per PUBACK); at a fixed rate it waits for the next message's time
/// in <c>poll</c>, reading PUBACKs as they come. A QoS 0 publish is done once written, as MQTTnet's
/// <c>PublishAsync</c> was; a full socket buffer holds the sender back.
/// </summary>
public sealed class LoadPublisher : IAsyncDisposable
{
    readonly LoadConnection _connection;
    readonly bool _acknowledged;

    /// <summary>The PUBLISH, encoded once: each message writes only its packet identifier and payload header.</summary>
    readonly byte[] _packet;
    readonly int _identifierOffset;
    readonly int _payloadOffset;

    readonly PacketHandler _onPacket;
    readonly bool[] _awaiting = new bool[65536];
    int _inFlight;
    int _nextIdentifier;

    LoadPublisher(LoadConnection connection, int pair, string topic, int qos, int payloadSize)
    {
        _connection = connection;
        Pair = pair;
        _acknowledged = qos > 0;
        _onPacket = OnPacket;
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var identifierBytes = _acknowledged ? 2 : 0;
        var remaining = 2 + topicBytes.Length + identifierBytes + payloadSize;
        _packet = new byte[1 + RemainingLength.Size(remaining) + remaining];
        _packet[0] = (byte)((int)MqttControlPacketType.Publish << 4 | qos << 1);
        var offset = 1 + RemainingLength.Write(_packet, 1, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(offset), (ushort)topicBytes.Length);
        topicBytes.CopyTo(_packet, offset + 2);
        _identifierOffset = offset + 2 + topicBytes.Length;
        _payloadOffset = _identifierOffset + identifierBytes;
    }

    public int Pair { get; }

    public static async Task<LoadPublisher> ConnectAsync(BenchmarkCase @case, int pair, int port, int payloadSize, CancellationToken cancellationToken)
    {
        var connection = await Task.Run(() => LoadConnection.Open(port, BenchmarkCase.PublisherClientId(pair), cleanSession: true), cancellationToken)
            .ConfigureAwait(false);
        return new LoadPublisher(connection, pair, @case.PublishTopic(pair), @case.Qos, payloadSize);
    }

    /// <summary>
    /// Sends up to <paramref name="count"/> messages stamped with <paramref name="phase"/> and sequence numbers from 0,
    /// on a thread of its own; completes once none is awaiting its PUBACK.
    /// </summary>
    /// <param name="ratePerSecond">Messages per second to offer, or null to send as fast as the window allows.</param>
    /// <param name="timeLimit">Stop sending after this long even if fewer than <paramref name="count"/> were sent.</param>
    /// <param name="window">QoS 1 publishes allowed to await their PUBACK at once.</param>
    public Task<PublishStats> RunAsync(int phase, int count, double? ratePerSecond, TimeSpan? timeLimit, int window,
        CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(phase, count, ratePerSecond, timeLimit, window, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }

    PublishStats Run(int phase, int count, double? ratePerSecond, TimeSpan? timeLimit, int window, CancellationToken cancellationToken)
    {
        var failures = new PublishFailures();
        var start = Stopwatch.GetTimestamp();
        var deadline = timeLimit is { } limit ? start + (long)(limit.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var ticksPerMessage = ratePerSecond is { } rate ? Stopwatch.Frequency / rate : 0;
        long lastSend = 0;
        var sent = 0;
        while (sent < count && !cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= deadline || !_connection.IsOpen)
            {
                failures.NoteIf(!_connection.IsOpen, "the publisher's connection closed");
                break;
            }

            if (_acknowledged && _inFlight >= window)
            {
                if (!ReadAcknowledgements(failures))
                {
                    break;
                }

                continue;
            }

            if (ticksPerMessage > 0 && start + (long)(sent * ticksPerMessage) is var due && now < due)
            {
                WaitUntilDue(due);
                continue;
            }

            if (_acknowledged)
            {
                TakeIdentifier();
            }

            new BenchPayload(now, phase, Pair, Sequence: sent).WriteTo(_packet.AsSpan(_payloadOffset));
            lastSend = now;
            sent++;
            _connection.Send(_packet, _packet.Length);
        }

        // Wait for the outstanding publishes.
        while (_inFlight > 0 && ReadAcknowledgements(failures))
        {
        }

        return new PublishStats(sent, failures.Count, failures.First, lastSend);
    }

    /// <summary>Writes the next packet identifier into the PUBLISH and marks it as awaiting its PUBACK.</summary>
    void TakeIdentifier()
    {
        // 1..65535, in turn: the window is far smaller, so an identifier is free again long before it comes round.
        _nextIdentifier = _nextIdentifier % 65535 + 1;
        _awaiting[_nextIdentifier] = true;
        _inFlight++;
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(_identifierOffset), (ushort)_nextIdentifier);
    }

    /// <summary>One <c>recv</c> of PUBACKs; false (every publish still awaiting one counted failed, a PUBACK for one
    /// of them later ignored) when the connection ended or none came within <see cref="LoadConnection.Timeout"/>.</summary>
    bool ReadAcknowledgements(PublishFailures failures)
    {
        var received = _connection.Receive(_onPacket);
        if (received == Received.Packets)
        {
            return true;
        }

        failures.Note(_inFlight, received == Received.Closed
            ? "the publisher's connection closed before the PUBACK"
            : $"no PUBACK within {LoadConnection.Timeout.TotalSeconds:N0} s");
        Array.Clear(_awaiting);
        _inFlight = 0;
        return false;
    }

    void OnPacket(byte header, ReadOnlySpan<byte> body, long arrivedTimestamp)
    {
        if (header >> 4 == (int)MqttControlPacketType.PubAck && body.Length >= 2
            && BinaryPrimitives.ReadUInt16BigEndian(body) is var identifier && _awaiting[identifier])
        {
            _awaiting[identifier] = false;
            _inFlight--;
        }
    }

    /// <summary>Waits until the message's due time, to the millisecond (messages whose time has come are then sent back
    /// to back, so the offered rate holds on average without burning a core spinning: the machine has only two),
    /// reading the PUBACKs that come meanwhile.</summary>
    void WaitUntilDue(long dueTimestamp)
    {
        // Measured again here: the thread may have been off its core since the caller looked, and a due time already
        // past must not reach poll or Sleep as a negative wait (-1 ms would be "forever").
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), dueTimestamp);
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        if (_inFlight > 0)
        {
            if (_connection.WaitReadable(wait))
            {
                _connection.Receive(_onPacket);
            }
        }
        else
        {
            // Round up: a 0 ms sleep returns at once, which would turn the wait into a busy loop.
            Thread.Sleep((int)Math.Ceiling(wait.TotalMilliseconds));
        }
    }

    /// <summary>Failed publishes; the first message is kept for the report.</summary>
    sealed class PublishFailures
    {
        public int Count { get; private set; }

        public string? First { get; private set; }

        public void Note(int count, string error)
        {
            if (count > 0)
            {
                Count += count;
                First ??= error;
            }
        }

        public void NoteIf(bool failed, string error)
        {
            if (failed)
            {
                Note(1, error);
            }
        }
    }
}
