using System.Collections;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Offline
{
    /// <summary>
    /// Where QoS 1/2 messages for persistent sessions wait until their client acknowledges them, oldest first per client.
    /// <see cref="Append"/> takes a message and gives it its id; it is durable once <see cref="Commit"/> has returned true,
    /// and the core acknowledges a publisher only after that. The split lets a store write the messages of many
    /// publishers in one transaction (group commit) while the core holds no session's lock. An implementation enforces
    /// the per-client quota of <see cref="OfflineLimits"/> and drops expired messages.
    /// </summary>
    public interface IOfflineStore
    {
        /// <summary>Keeps a message for <paramref name="clientId"/> and returns its id (&gt; 0), or an
        /// <see cref="AppendResult"/> when it kept nothing. The message is readable at once and durable after the next
        /// <see cref="Commit"/> on the same thread.</summary>
        long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs);

        /// <summary>Makes every message this thread appended since its last call durable. False when the store could
        /// not write them: they are not kept (the publisher is refused and sends again), nothing kept before is lost.
        /// A store whose <see cref="Append"/> is already durable returns true.</summary>
        bool Commit();

        /// <summary>Like <see cref="Commit"/> without waiting: hands the messages this thread appended since its last call
        /// to the store's next commit and returns what settles once they are committed, or null when nothing needs
        /// waiting for (nothing appended, or a store whose <see cref="Append"/> is already durable).</summary>
        PendingCommit CommitLater();

        /// <summary>Adds to <paramref name="into"/> up to <paramref name="max"/> <see cref="StoredMessage"/>s of the client
        /// with ids above <paramref name="afterId"/>, oldest first, leaving out (and forgetting) those expired at
        /// <paramref name="nowMs"/> (<see cref="Clock.HasPassed"/>: an expiry counted from before the wall clock was set
        /// is not due because it was). Returns how many were added.</summary>
        int Read(string clientId, long afterId, int max, long nowMs, ArrayList into);

        /// <summary>The client has the message: forget it.</summary>
        void Remove(string clientId, long id);

        int Count(string clientId);

        /// <summary>Whether the client's quota is full by count (<see cref="OfflineLimits.MaxMessagesPerClient"/>): a hint
        /// asked for every message from an uplink (<see cref="OfflineDelivery.IsBackedUp"/>), so a store that makes
        /// <see cref="Count"/> exact by committing queued writes first does so only to confirm a full quota.</summary>
        bool IsFull(string clientId);

        /// <summary>The highest id kept for the client, 0 when none.</summary>
        long LastId(string clientId);

        /// <summary>The id the last <see cref="Append"/> gave, for any client (0 before the first). Ids only grow: a
        /// message appended later, for any client, has a higher one. Cheap (no I/O).</summary>
        long LastIssuedId { get; }

        /// <summary>Forgets everything kept for the client (clean start, expired session).</summary>
        void Discard(string clientId);
    }
}
