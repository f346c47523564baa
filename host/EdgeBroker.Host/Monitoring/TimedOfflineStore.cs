using System.Collections;
using System.Diagnostics;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Host.Monitoring;

/// <summary>The offline store with the time of each durable keep (<see cref="IOfflineStore.Append"/>, which returns
/// once the message is committed) recorded as <c>edgebroker_store_commit_seconds</c>. An append that kept nothing
/// (<see cref="AppendResult"/>: quota full, store unavailable) committed nothing and is not timed.</summary>
sealed class TimedOfflineStore(IOfflineStore inner, BrokerMetrics metrics) : IOfflineStore
{
    public long Append(string clientId, RoutedMessage message, int qos, bool retain, int[] subscriptionIdentifiers, long expiresAtMs)
    {
        var started = Stopwatch.GetTimestamp();
        var id = inner.Append(clientId, message, qos, retain, subscriptionIdentifiers, expiresAtMs);
        if (id > 0)
        {
            metrics.StoreCommitted(Stopwatch.GetElapsedTime(started));
        }

        return id;
    }

    public int Read(string clientId, long afterId, int max, long nowMs, ArrayList into) => inner.Read(clientId, afterId, max, nowMs, into);

    public void Remove(string clientId, long id) => inner.Remove(clientId, id);

    public int Count(string clientId) => inner.Count(clientId);

    public long LastId(string clientId) => inner.LastId(clientId);

    public void Discard(string clientId) => inner.Discard(clientId);
}
