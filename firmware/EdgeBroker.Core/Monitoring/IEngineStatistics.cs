namespace EdgeBroker.Core.Monitoring
{
    /// <summary>The numbers only an engine knows, for the <c>$SYS</c> tree: bytes on its sockets and the retained
    /// messages it keeps (the host's MQTTnet server keeps those itself, the relay in the core's
    /// <see cref="EdgeBroker.Core.Retained.RetainedMessages"/>).</summary>
    public interface IEngineStatistics
    {
        /// <summary>Bytes read from client connections since the broker started.</summary>
        long BytesReceived { get; }

        /// <summary>Bytes written to client connections since the broker started.</summary>
        long BytesSent { get; }

        /// <summary>Topics holding a retained message now.</summary>
        int RetainedCount { get; }

        /// <summary>Free bytes of the managed heap at the last measurement, the figure that restarts a device when it runs
        /// low; -1 where the engine does not measure it (the host reports its process memory on /metrics).</summary>
        int HeapFreeBytes { get; }
    }
}
