namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// Each message's own send and receive Stopwatch stamps in one receiver's phase, by sequence number, for the opt-in
/// message log (<see cref="MessageLog"/>): the same stamps the latency is taken from, kept whole so that a message can
/// be followed through a kernel trace. Preallocated to the phase's message count; only one MQTTnet receive loop
/// writes to it.
/// </summary>
public sealed class MessageStamps(int capacity)
{
    readonly long[] _sent = new long[capacity];
    readonly long[] _received = new long[capacity];

    public int Capacity => _sent.Length;

    /// <summary>Keeps message <paramref name="sequence"/>'s stamps; the caller has checked it is in range and new.</summary>
    public void Record(int sequence, long sentTimestamp, long receivedTimestamp)
    {
        _sent[sequence] = sentTimestamp;
        _received[sequence] = receivedTimestamp;
    }

    /// <summary>Message <paramref name="sequence"/>'s stamps, or (0, 0) when it never arrived.</summary>
    public (long Sent, long Received) this[int sequence] => (_sent[sequence], _received[sequence]);
}
