using System.Collections;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Offline
{
    /// <summary>
    /// Where QoS 1/2 messages for persistent sessions wait until their client acknowledges them, oldest first per client.
    /// An implementation's <see cref="Append"/> returns only once the message is durable (the broker acknowledges the
    /// publisher after it); it enforces the per-client quota of <see cref="OfflineLimits"/> and drops expired messages.
    /// </summary>
    public interface IOfflineStore
    {
        /// <summary>Keeps a message for <paramref name="clientId"/> and returns its id (&gt; 0), or 0 when the client's
        /// quota is full and the message was refused.</summary>
        long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs);

        /// <summary>Adds to <paramref name="into"/> up to <paramref name="max"/> <see cref="StoredMessage"/>s of the client
        /// with ids above <paramref name="afterId"/>, oldest first, leaving out (and forgetting) those expired at
        /// <paramref name="nowMs"/>. Returns how many were added.</summary>
        int Read(string clientId, long afterId, int max, long nowMs, ArrayList into);

        /// <summary>The client has the message: forget it.</summary>
        void Remove(string clientId, long id);

        int Count(string clientId);

        /// <summary>The highest id kept for the client, 0 when none.</summary>
        long LastId(string clientId);

        /// <summary>Forgets everything kept for the client (clean start, expired session).</summary>
        void Discard(string clientId);
    }
}
