namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// What the receiver of a stored backlog got: unique messages, duplicates, messages that overtook an earlier one from
/// the same sender (MQTT keeps each sender's order on a topic, and both brokers promise it for what they store) and
/// messages it cannot place. Written only by the receiver's MQTTnet receive loop (one message at a time); read by the
/// runner through volatile reads.
/// </summary>
public sealed class BacklogTally
{
    readonly int _phase;
    readonly bool[][] _seen;
    readonly int[] _highest;
    int _unique;
    int _duplicates;
    int _outOfOrder;
    int _unplaced;
    long _lastUniqueTimestamp;

    /// <param name="phase">Phase number the senders stamped; anything else is unplaced.</param>
    /// <param name="messagesPerSender">How many messages each sender (by pair number) sent.</param>
    public BacklogTally(int phase, IReadOnlyList<int> messagesPerSender)
    {
        _phase = phase;
        _seen = messagesPerSender.Select(count => new bool[count]).ToArray();
        _highest = Enumerable.Repeat(-1, messagesPerSender.Count).ToArray();
        Expected = messagesPerSender.Sum();
    }

    public int Expected { get; }

    public int Unique => Volatile.Read(ref _unique);

    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Messages that arrived after a later message of the same sender.</summary>
    public int OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Messages from no sender of this backlog or with a sequence number it never sent (must be 0).</summary>
    public int Unplaced => Volatile.Read(ref _unplaced);

    /// <summary>Stopwatch timestamp of the last unique message, 0 before the first.</summary>
    public long LastUniqueTimestamp => Volatile.Read(ref _lastUniqueTimestamp);

    public void Count(in BenchPayload message, long receivedTimestamp)
    {
        if (message.Phase != _phase || (uint)message.Pair >= (uint)_seen.Length || (uint)message.Sequence >= (uint)_seen[message.Pair].Length)
        {
            Volatile.Write(ref _unplaced, _unplaced + 1);
            return;
        }

        var seen = _seen[message.Pair];
        if (seen[message.Sequence])
        {
            Volatile.Write(ref _duplicates, _duplicates + 1);
            return;
        }

        seen[message.Sequence] = true;
        if (message.Sequence < _highest[message.Pair])
        {
            Volatile.Write(ref _outOfOrder, _outOfOrder + 1);
        }
        else
        {
            _highest[message.Pair] = message.Sequence;
        }

        Volatile.Write(ref _lastUniqueTimestamp, receivedTimestamp);
        Volatile.Write(ref _unique, _unique + 1);
    }

    /// <summary>Whether message <paramref name="sequence"/> of sender <paramref name="pair"/> arrived. Read after the
    /// receiver stopped counting.</summary>
    public bool Saw(int pair, int sequence) =>
        (uint)pair < (uint)_seen.Length && (uint)sequence < (uint)_seen[pair].Length && _seen[pair][sequence];

    public void CountUnplaced() => Volatile.Write(ref _unplaced, _unplaced + 1);
}
