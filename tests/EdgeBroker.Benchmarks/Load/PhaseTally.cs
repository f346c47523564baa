using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// What one receiver got in one phase: unique messages (with latency when asked), duplicates, messages meant for
/// another receiver and messages it cannot place. Written only by the receiver's MQTTnet receive loop (one message at
/// a time); read by the phase monitor through volatile reads.
/// </summary>
public sealed class PhaseTally
{
    readonly bool[]? _seen;
    int _unique;
    int _duplicates;
    int _misrouted;
    int _outOfRange;
    long _firstReceivedTimestamp;
    long _lastReceivedTimestamp;

    /// <param name="phase">Phase number stamped in the payloads this tally counts; other phases are ignored.</param>
    /// <param name="pair">The receiver's pair: a message from another pair's publisher is misrouted.</param>
    /// <param name="expected">Sequence numbers 0..expected-1 are tracked one by one to find duplicates; 0 counts
    /// without tracking (the open-ended warm-up).</param>
    /// <param name="recordLatency">Whether to keep every message's latency.</param>
    /// <param name="recordStamps">Whether to keep every message's send and receive stamps as well (the opt-in message
    /// log, <see cref="MessageLog"/>).</param>
    public PhaseTally(int phase, int pair, int expected, bool recordLatency, bool recordStamps = false)
    {
        Phase = phase;
        Pair = pair;
        Expected = expected;
        _seen = expected > 0 ? new bool[expected] : null;
        Latencies = recordLatency && expected > 0 ? new LatencyRecorder(expected) : null;
        Stamps = recordStamps && expected > 0 ? new MessageStamps(expected) : null;
    }

    public int Phase { get; }

    public int Pair { get; }

    public int Expected { get; }

    public LatencyRecorder? Latencies { get; }

    public MessageStamps? Stamps { get; }

    public int Unique => Volatile.Read(ref _unique);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int Misrouted => Volatile.Read(ref _misrouted);

    /// <summary>Sequence numbers outside 0..expected-1: should never happen; counted so it cannot go unnoticed.</summary>
    public int OutOfRange => Volatile.Read(ref _outOfRange);

    /// <summary>Stopwatch timestamp of the first unique message, 0 before it.</summary>
    public long FirstReceivedTimestamp => Volatile.Read(ref _firstReceivedTimestamp);

    /// <summary>Stopwatch timestamp of the last unique message, 0 before the first.</summary>
    public long LastReceivedTimestamp => Volatile.Read(ref _lastReceivedTimestamp);

    public void Count(in BenchPayload message, long receivedTimestamp)
    {
        if (message.Pair != Pair)
        {
            Volatile.Write(ref _misrouted, _misrouted + 1);
            return;
        }

        if (_seen is not null)
        {
            if ((uint)message.Sequence >= (uint)_seen.Length)
            {
                Volatile.Write(ref _outOfRange, _outOfRange + 1);
                return;
            }

            if (_seen[message.Sequence])
            {
                Volatile.Write(ref _duplicates, _duplicates + 1);
                return;
            }

            _seen[message.Sequence] = true;
        }

        Latencies?.Record(message.SentTimestamp, receivedTimestamp);
        Stamps?.Record(message.Sequence, message.SentTimestamp, receivedTimestamp);
        if (_firstReceivedTimestamp == 0)
        {
            Volatile.Write(ref _firstReceivedTimestamp, receivedTimestamp);
        }

        Volatile.Write(ref _lastReceivedTimestamp, receivedTimestamp);
        Volatile.Write(ref _unique, _unique + 1);
    }

    /// <summary>
    /// The sequence numbers below <paramref name="sent"/> not received, as ranges ("1,024–1,087, 5,000"), the first
    /// <paramref name="maxRanges"/> of them: a block in a row points at one lost buffer or a closed connection,
    /// scattered ones at a queue that refused what came while it was full. Empty when tracking is off.
    /// </summary>
    public string MissingSequences(int sent, int maxRanges = 8)
    {
        if (_seen is null)
        {
            return string.Empty;
        }

        var ranges = new List<string>();
        var end = Math.Min(sent, _seen.Length);
        var more = 0;
        for (var i = 0; i < end; i++)
        {
            if (Volatile.Read(ref _seen[i]))
            {
                continue;
            }

            var first = i;
            while (i + 1 < end && !Volatile.Read(ref _seen[i + 1]))
            {
                i++;
            }

            if (ranges.Count < maxRanges)
            {
                ranges.Add(first == i ? $"{first:N0}" : $"{first:N0}–{i:N0}");
            }
            else
            {
                more++;
            }
        }

        return string.Join(", ", ranges) + (more > 0 ? $" and {more:N0} more ranges" : string.Empty);
    }
}
