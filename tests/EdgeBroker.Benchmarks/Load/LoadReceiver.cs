using System.Buffers.Binary;
using EdgeBroker.Benchmarks.Cases;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Receiver i of a case: connects as <c>recv-i</c> (its P2P address; with a persistent session in durable cases) over
/// its own <see cref="LoadConnection"/>, subscribes to <c>bench/t/i</c> for pub/sub cases, and counts what arrives into
/// the current phase's <see cref="PhaseTally"/> on a thread of its own, acknowledging each QoS 1 message with a PUBACK
/// of its own once it is counted, as MQTTnet's client did. Every message a <c>recv</c> brought is stamped with the
/// moment that <c>recv</c> returned.
/// </summary>
public sealed class LoadReceiver : IAsyncDisposable
{
    readonly LoadConnection _connection;
    readonly Thread _reader;
    readonly PacketHandler _onPacket;
    readonly byte[] _pubAck = [(byte)((int)MqttControlPacketType.PubAck << 4), 2, 0, 0];
    PhaseTally? _tally;
    long _totalReceived;
    long _foreign;
    int _stale;
    long _lastStaleTimestamp;

    LoadReceiver(LoadConnection connection, int pair)
    {
        _connection = connection;
        Pair = pair;
        _onPacket = OnPacket;
        _reader = new Thread(Read) { IsBackground = true, Name = $"recv-{pair}" };
        _reader.Start();
    }

    public int Pair { get; }

    /// <summary>Every message received so far, any phase: the harness waits for it to stop moving between phases.</summary>
    public long TotalReceived => Interlocked.Read(ref _totalReceived);

    /// <summary>Messages whose payload is not a benchmark header (never expected).</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    public bool IsConnected => _connection.IsOpen;

    /// <summary>Messages of another phase (a late one of an earlier phase) received since the current phase began:
    /// a receiver that got none of a phase but many of these was served late, not starved.</summary>
    public int Stale => Volatile.Read(ref _stale);

    /// <summary>Stopwatch timestamp of the last of <see cref="Stale"/>, 0 before the first.</summary>
    public long LastStaleTimestamp => Volatile.Read(ref _lastStaleTimestamp);

    public static async Task<LoadReceiver> ConnectAsync(BenchmarkCase @case, int pair, int port, CancellationToken cancellationToken)
    {
        var connection = await Task.Run(() => Subscribed(@case, pair, port), cancellationToken).ConfigureAwait(false);
        return new LoadReceiver(connection, pair);
    }

    /// <summary>Starts counting into <paramref name="tally"/>; messages stamped with another phase are ignored from now on.</summary>
    public void BeginPhase(PhaseTally tally)
    {
        Volatile.Write(ref _tally, tally);
        Volatile.Write(ref _stale, 0);
        Volatile.Write(ref _lastStaleTimestamp, 0);
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        _reader.Join();
        return ValueTask.CompletedTask;
    }

    /// <summary>Receiver <paramref name="pair"/>'s connection, subscribed to its filter at the case's QoS for pub/sub
    /// cases (P2P receivers need no subscription), with that QoS checked as granted.</summary>
    static LoadConnection Subscribed(BenchmarkCase @case, int pair, int port)
    {
        var connection = LoadConnection.Open(port, BenchmarkCase.ReceiverClientId(pair), cleanSession: !@case.Durable);
        try
        {
            if (@case.ReceiverSubscription(pair) is { } filter
                && connection.Subscribe(filter, (MqttQualityOfServiceLevel)@case.Qos) is var granted && granted != @case.Qos)
            {
                throw new InvalidOperationException($"SUBSCRIBE {filter} at QoS {@case.Qos} by {connection.ClientId} was answered {granted}.");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    void Read()
    {
        // A receiver may be silent for longer than a recv's time-out (between phases, while a broker ages): it waits on.
        while (_connection.Receive(_onPacket) != Received.Closed)
        {
        }
    }

    /// <summary>A PUBLISH (MQTT §3.3: topic, a packet identifier at QoS 1, the payload) is counted, then acknowledged
    /// at QoS 1; the load never subscribes at QoS 2, and nothing else is due to a receiver.</summary>
    void OnPacket(byte header, ReadOnlySpan<byte> body, long arrivedTimestamp)
    {
        if (header >> 4 != (int)MqttControlPacketType.Publish)
        {
            return;
        }

        var qos = (header >> 1) & 3;
        var payloadStart = 2 + BinaryPrimitives.ReadUInt16BigEndian(body) + (qos > 0 ? 2 : 0);
        Count(body[payloadStart..], arrivedTimestamp);
        if (qos > 0)
        {
            body.Slice(payloadStart - 2, 2).CopyTo(_pubAck.AsSpan(2));
            _connection.Send(_pubAck, _pubAck.Length);
        }
    }

    void Count(ReadOnlySpan<byte> payload, long receivedTimestamp)
    {
        Interlocked.Increment(ref _totalReceived);
        if (!BenchPayload.TryRead(payload, out var message))
        {
            Interlocked.Increment(ref _foreign);
            return;
        }

        var tally = Volatile.Read(ref _tally);
        if (tally is not null && message.Phase == tally.Phase)
        {
            tally.Count(message, receivedTimestamp);
        }
        else
        {
            Volatile.Write(ref _stale, _stale + 1);
            Volatile.Write(ref _lastStaleTimestamp, receivedTimestamp);
        }
    }
}
