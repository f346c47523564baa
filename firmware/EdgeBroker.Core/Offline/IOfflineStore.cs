using System.Collections;

namespace EdgeBroker.Core.Offline
{
    /// <summary>Where messages wait for clients that are away, oldest first per client. Implementations decide
    /// how durable that is (memory, SQLite on the host, a flash log on the device).</summary>
    public interface IOfflineStore
    {
        /// <summary>Keeps a message for <paramref name="clientId"/>; false when the client's quota is full and the
        /// message was refused.</summary>
        bool Enqueue(string clientId, OfflineMessage message);

        /// <summary>Moves up to <paramref name="max"/> of the client's oldest messages into
        /// <paramref name="into"/>, in order, and returns how many.</summary>
        int Take(string clientId, int max, ArrayList into);

        int Count(string clientId);

        /// <summary>Forgets everything kept for the client (clean start, expired session).</summary>
        void Discard(string clientId);
    }
}
