using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Retained;

namespace EdgeBroker.Host.Mqtt;

/// <summary>What the host engine knows and the core does not, for the <c>$SYS</c> tree: the bytes on the connections
/// (counted by <see cref="GuardedChannel"/>) and the retained messages kept.</summary>
sealed class HostStatistics : IEngineStatistics
{
    public ByteCounters Bytes { get; } = new();

    public long BytesReceived => Bytes.Received;

    public long BytesSent => Bytes.Sent;

    /// <summary>Not measured: the host's memory is on /metrics (process_working_set_bytes, dotnet_total_memory_bytes).</summary>
    public int HeapFreeBytes => -1;

    /// <summary>The retained messages, once the broker has started.</summary>
    public RetainedMessages? Retained { get; set; }

    public int RetainedCount => Retained?.Count ?? 0;
}
