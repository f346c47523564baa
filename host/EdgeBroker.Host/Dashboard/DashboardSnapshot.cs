using System.Collections;
using System.Text.Json;
using EdgeBroker.Core;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Presence;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Dashboard;

/// <summary>
/// The live feed's <c>status</c> event, one JSON object built the same way by both engines from the core's one set of
/// counters (<see cref="BrokerStatus"/> and the routing counters), its live connections, offline queues, pairing
/// windows and uplinks. Lists are cut at <see cref="MaxListed"/> entries (their totals are given) so a broker with
/// thousands of clients sends a bounded event each second. Never holds a secret.
/// </summary>
static class DashboardSnapshot
{
    /// <summary>The most clients and offline queues one event lists.</summary>
    public const int MaxListed = 200;

    /// <param name="includesGroup">Whether the watching access key may see a group: clients, offline queues and pairing
    /// windows of other groups are left out. Counters are broker-wide, as <c>/metrics</c> and <c>$SYS</c> give them.</param>
    /// <param name="includeUplinks">Whether the uplinks are shown (they serve the whole broker: only to a key that sees
    /// every group).</param>
    public static string Build(BrokerCore core, IEngineStatistics engine, BrokerSecurity security, Func<string, bool> includesGroup,
        bool includeUplinks)
    {
        var nowMs = Clock.NowMs();
        var status = BrokerStatus.Take(core, engine);
        var counters = core.Counters;
        var connections = Visible<LiveConnection>(core.LiveConnections(), connection => includesGroup(ClientIdentity.GroupOf(connection.ClientId)));
        var offline = Visible<OfflineQueue>(core.OfflineQueues(), queue => includesGroup(ClientIdentity.GroupOf(queue.ClientId)))
            .OrderByDescending(queue => queue.Count)
            .ToList();
        var pairing = Visible<PairingWindow>(security.OpenPairingWindows(Clock.MonotonicMs()), window => includesGroup(window.Group));
        return JsonSerializer.Serialize(new
        {
            time = nowMs,
            counters = new
            {
                messagesReceived = status.MessagesReceived,
                messagesSent = status.MessagesSent,
                p2pDelivered = counters.P2PDelivered,
                p2pQueued = counters.P2PQueued,
                pubSubDelivered = counters.PubSubDeliveries,
                pubSubQueued = counters.PubSubQueued,
                publishDropped = status.PublishDropped,
                clientsConnected = status.ClientsConnected,
                sessions = status.ClientsTotal,
                subscriptions = status.Subscriptions,
                retainedMessages = status.RetainedMessages,
                offlineQueued = status.OfflineQueued,
            },
            clients = Listed(connections, connection => new
            {
                clientId = connection.ClientId,
                group = ClientIdentity.GroupOf(connection.ClientId),
                since = Clock.Rebased(connection.ConnectedAtUnixMilliseconds, nowMs),
                address = connection.ClientAddress,
            }),
            offline = Listed(offline, queue => new
            {
                clientId = queue.ClientId,
                group = ClientIdentity.GroupOf(queue.ClientId),
                count = queue.Count,
                online = core.LiveConnectionCount(queue.ClientId) > 0,
            }),
            pairing = pairing.Select(window => new { group = window.Group, expiresAt = window.ExpiresAtMs }),
            uplinks = includeUplinks
                ? Enumerable.Range(0, core.UplinkCount).Select(i => JsonDocument.Parse(core.UplinkAt(i).Status(nowMs).ToJson()).RootElement).ToList()
                : null,
        });
    }

    /// <summary>A list cut at <see cref="MaxListed"/> entries, with the full count.</summary>
    static object Listed<T>(List<T> items, Func<T, object> entry) => new { total = items.Count, list = items.Take(MaxListed).Select(entry) };

    static List<T> Visible<T>(ArrayList items, Func<T, bool> visible) => items.Cast<T>().Where(visible).ToList();
}
