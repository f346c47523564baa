using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>How a case wants its broker run, beyond the settings the broker ships with.</summary>
/// <param name="Durable">Keep sessions and queued messages on disk, in the case's scratch directory: EdgeBroker's
/// SQLite store (<c>--data-dir</c>), mosquitto's <c>persistence true</c>.</param>
/// <param name="MessagesKeptPerClient">The per-client limit of stored messages (EdgeBroker
/// <c>MaxOfflineMessagesPerClient</c>, mosquitto <c>max_queued_messages</c>); null keeps the broker's default.</param>
/// <param name="OfflineBatching">False hands a returning client its whole backlog at once (EdgeBroker
/// <c>OfflineBatchSize 0</c>); mosquitto has no such batching, its delivery is paced by <c>max_inflight_messages</c>.</param>
public sealed record BrokerProfile(bool Durable, int? MessagesKeptPerClient, bool OfflineBatching)
{
    /// <summary>Clients the broker admits at once and new connections it takes from one address, unlimited where
    /// the broker allows (EdgeBroker <c>Connections:MaxConnectionsPerSource 0</c>; the emulator also
    /// <c>max_clients</c> at its maximum, 1,000): the Robustness case opens thousands from 127.0.0.1.</summary>
    public bool ManyConnections { get; init; }

    /// <summary>
    /// The emulator's queues as large as the relay's settings allow (<c>max_queued_messages_per_client</c>,
    /// <c>max_queued_bytes_per_client</c> and the relay's buffer pool for all clients, <c>max_buffer_bytes</c>); false keeps
    /// the device's defaults (64 packets, 8 KB each client and 8 KB for all of them, what a board's heap holds). The relay
    /// acknowledges a QoS 1 PUBLISH once it is queued for its receiver, so a publisher's window bounds what the publisher
    /// has outstanding, not what waits for the receiver: a receiver that falls behind (its thread off the core, its
    /// socket full) lets its queue grow past any window, and a full queue drops a clean session's messages, QoS 1 too, as
    /// mosquitto does past <c>max_queued_messages</c> (logged; docs/overload.md). With queues that held twice the window
    /// the case lost 1 and 64 acknowledged messages in two of eight rounds; with the device's defaults the relay dropped
    /// most of a 256-message window. mosquitto's own default queue is 1,000 per client, the host's 1,000 and 4 MiB.
    /// </summary>
    public bool LargestQueues { get; init; }

    /// <summary>EdgeBroker's SQLite store with <c>SqliteSynchronous: Full</c> (an fsync per group commit).</summary>
    public bool SynchronousFull { get; init; }

    /// <summary>The broker as it ships: what the load cases measure.</summary>
    public static BrokerProfile Shipped { get; } = new(Durable: false, MessagesKeptPerClient: null, OfflineBatching: true);

    /// <summary>Thousands of connections from 127.0.0.1 (the Robustness and Idle cases).</summary>
    public static BrokerProfile ManyClients { get; } = Shipped with { ManyConnections = true };

    public static BrokerProfile For(BenchmarkCase @case, BenchmarkSettings settings) => @case switch
    {
        // Twice the backlog: the limit must never be what the case measures.
        { Scenario: Scenario.StoredBacklog or Scenario.Crash } =>
            new(Durable: true, MessagesKeptPerClient: 2 * settings.BacklogMessages, @case.OfflineBatching) { SynchronousFull = @case.SynchronousFull },
        { Durable: true } => Shipped with { Durable = true, SynchronousFull = @case.SynchronousFull },

        // The device default admits 12 clients (a board's RAM); the load cases connect 2 per pair, and a receiver may
        // fall behind by more than its publisher's window (LargestQueues).
        { Broker: BrokerKind.Emulator, Scenario: Scenario.Load } => Shipped with { ManyConnections = true, LargestQueues = true },
        _ => Shipped,
    };
}
