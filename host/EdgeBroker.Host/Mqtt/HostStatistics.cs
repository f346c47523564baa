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

    /// <summary>Not measured: the host's memory is on /metrics (process_working_set_bytes, dotnet_total_memory_bytes).</summary>
    public int HeapFreeBytes => -1;

    public int RetainedCount
    {
        get => Volatile.Read(ref _retainedCount);
        set => Volatile.Write(ref _retainedCount, value);
    }
}
