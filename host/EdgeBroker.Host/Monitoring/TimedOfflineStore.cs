using System.Collections;
using System.Diagnostics;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Host.Monitoring;

/// <summary>The offline store with the time of each durable commit (<see cref="IOfflineStore.Commit"/>, which returns
/// once the messages appended before it are committed — a group commit may hold many publishers' messages) recorded
/// as <c>edgebroker_store_commit_seconds</c>. A commit that failed kept nothing and is not timed.</summary>
sealed class TimedOfflineStore(IOfflineStore inner, BrokerMetrics metrics) : IOfflineStore
{
    public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs) =>
        inner.Append(clientId, message, qos, retain, subscriptionIdentifiers, expiresAtMs);

    public bool Commit()
    {
        var started = Stopwatch.GetTimestamp();
        var committed = inner.Commit();
        if (committed)
        {
            metrics.StoreCommitted(Stopwatch.GetElapsedTime(started));
        }

        return committed;
    }

    /// <summary>Not timed here: the commit ends after this returns; the PUBACK held for it records the time
    /// (<see cref="Mqtt.HeldAcknowledgement"/>).</summary>
    public PendingCommit? CommitLater() => inner.CommitLater();

    public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into) => inner.Read(clientId, afterId, max, nowMs, into);

    public void Remove(string clientId, long id) => inner.Remove(clientId, id);

    public int Count(string clientId) => inner.Count(clientId);

    public bool IsFull(string clientId) => inner.IsFull(clientId);

    public long LastId(string clientId) => inner.LastId(clientId);

    public long LastIssuedId => inner.LastIssuedId;

    public void Discard(string clientId) => inner.Discard(clientId);
}
