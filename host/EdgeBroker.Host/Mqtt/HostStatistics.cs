using EdgeBroker.Core.Monitoring;

namespace EdgeBroker.Host.Mqtt;

/// <summary>What the host engine knows and the core does not, for the <c>$SYS</c> tree: the bytes on MQTTnet's
/// channels (counted by <see cref="GuardedChannel"/>) and the retained messages MQTTnet keeps.</summary>
sealed class HostStatistics : IEngineStatistics
{
    int _retainedCount;

    public ByteCounters Bytes { get; } = new();

    public long BytesReceived => Bytes.Received;

    public long BytesSent => Bytes.Sent;

    public int RetainedCount
    {
        get => Volatile.Read(ref _retainedCount);
        set => Volatile.Write(ref _retainedCount, value);
    }
}
