using EdgeBroker.Core;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Storage;
using Prometheus;

namespace EdgeBroker.Host.Monitoring;

/// <summary>
/// The broker's Prometheus metrics (prometheus-net), served at <c>GET /metrics</c> on the HTTP port: the standard
/// <c>process_*</c> and <c>dotnet_*</c> metrics, the core's figures (<see cref="BrokerStatus"/>, the same numbers as the
/// <c>$SYS</c> tree) and each uplink's status (labelled <c>uplink</c>) read at each scrape, and two latency histograms
/// the host measures. One registry per broker, so
/// brokers built in one process (the tests) do not share counters.
/// </summary>
sealed class BrokerMetrics
{
    const string Prefix = "edgebroker_";

    /// <summary>The label naming the uplink (its configured name, as in <c>$SYS/uplink/{name}/state</c>).</summary>
    const string UplinkLabel = "uplink";

    /// <summary>0.5 ms to ~16 s in doublings: a local hand-over takes well under a millisecond, a disk commit a few,
    /// an offline message waits until its client returns (those land above the last bucket).</summary>
    static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 16);

    readonly Histogram _publishToDeliver;
    readonly Histogram _storeCommit;

    public BrokerMetrics()
    {
        DotNetStats.Register(Registry);
        Factory = Metrics.WithCustomRegistry(Registry);
        Factory.CreateGauge(Prefix + "build_info", "The running release; always 1.", "version").WithLabels(BrokerVersion.Number).Set(1);
        _publishToDeliver = Factory.CreateHistogram(Prefix + "publish_to_deliver_seconds",
            "From a PUBLISH reaching the broker to its hand-over to a receiver's connection (kept messages included).",
            new HistogramConfiguration { Buckets = LatencyBuckets });
        _storeCommit = Factory.CreateHistogram(Prefix + "store_commit_seconds",
            "Time to keep a message durably in the offline store (the broker acknowledges only after it).",
            new HistogramConfiguration { Buckets = LatencyBuckets });
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    MetricFactory Factory { get; }

    /// <summary>Reads <paramref name="core"/>'s figures (and <paramref name="engine"/>'s bytes and retained count) at
    /// every scrape. Call once, when the broker starts.</summary>
    public void Track(BrokerCore core, IEngineStatistics engine, BrokerSecurity security)
    {
        var received = Counter("messages_received_total", "PUBLISHes received from clients.");
        var sent = Counter("messages_sent_total", "Messages handed to clients' connections, P2P and pub/sub.");
        var dropped = Counter("publish_dropped_total", "Messages given up: offline quota or send queue full, QoS 0 P2P for an away client.");
        var storeRefused = Counter("publish_store_refused_total", "PUBLISHes refused unacknowledged because the store was full (the publisher resends).");
        var duplicates = Counter("publish_duplicates_total", "Resends from a gateway's uplink that were routed before (acknowledged, not routed again).");
        var bytesReceived = Counter("bytes_received_total", "Bytes read from MQTT connections.");
        var bytesSent = Counter("bytes_sent_total", "Bytes written to MQTT connections.");
        var p2pRouted = Counter("p2p_routed_total", "P2P messages handed to their target's connection.");
        var p2pQueued = Counter("p2p_queued_total", "P2P messages kept for a target that was away.");
        var p2pTargetOffline = Counter("p2p_target_offline_total", "P2P messages dropped because their target's session was neither connected nor persistent.");
        var p2pTargetUnknown = Counter("p2p_target_unknown_total", "P2P messages for a client ID without a session.");
        var p2pTargetUnreachable = Counter("p2p_target_unreachable_total", "Federated P2P messages answered here as unknown because an upstream said their target is unknown everywhere.");
        var p2pUnreachableNotices = Counter("p2p_unreachable_notices_total", "Unreachable notices received from the upstream (federated P2P).");
        var announcementsRefused = Counter("p2p_announcements_refused_total", "P2P route announcements from clients that are not gateways here.");
        var connectionsAccepted = Counter("connections_accepted_total", "Connections whose CONNECT was accepted.");
        var sessionsExpired = Counter("sessions_expired_total", "Persistent sessions that expired while their client was away.");
        var publishDenied = Counter("publish_denied_total", "PUBLISHes the access policy refused.");
        var subscribeDenied = Counter("subscribe_denied_total", "SUBSCRIBEs the access policy refused.");
        var connected = Gauge("clients_connected", "Clients connected now.");
        var sessions = Gauge("sessions", "Sessions, connected and away.");
        var subscriptions = Gauge("subscriptions", "Subscriptions of all sessions.");
        var retained = Gauge("retained_messages", "Topics holding a retained message.");
        var offlineQueued = Gauge("offline_queued_messages", "Messages kept for away persistent sessions.");
        var willHeld = Gauge("will_held_bytes", "Bytes the wills held (and those of CONNECTs under way) count against MaxWillBytes.");
        var willMax = Gauge("will_max_bytes", "MaxWillBytes: the bound on held wills' bytes (0: none).");
        var willRefused = Counter("will_refused_total", "CONNECTs refused because their will did not fit in MaxWillBytes.");
        var retainedHeld = Gauge("retained_held_bytes", "Bytes the retained messages take, counted against MaxRetainedBytes.");
        var retainedMax = Gauge("retained_max_bytes", "MaxRetainedBytes: the bound on retained messages' bytes (0: none).");
        var retainedRefused = Counter("retained_refused_total", "Retained messages not kept (MaxRetainedMessages, MaxRetainedBytes or the store full); still routed.");
        var sessionsRefused = Counter("sessions_refused_total", "CONNECTs refused because every MaxSessions place was taken (or the store had no room for a session, or could not write it).");
        var quotaDropped = Counter("quota_dropped_total", "Messages dropped because a receiver's offline quota was full.");
        var pairingWindows = Gauge("pairing_windows_open", "Groups with an open pairing window.");
        var uplinkQueued = Gauge("uplink_queued", "Messages waiting in an uplink's queue.", UplinkLabel);
        var uplinkSent = Counter("uplink_sent_total", "Messages an uplink sent upstream (resends included).", UplinkLabel);
        var uplinkAcknowledged = Counter("uplink_acknowledged_total", "Messages the upstream acknowledged.", UplinkLabel);
        var uplinkDropped = Counter("uplink_dropped_total", "Messages an uplink's full queue gave up (drop-oldest).", UplinkLabel);
        var uplinkRefused = Counter("uplink_refused_total", "Messages refused because an uplink's queue was full (refuse-new); the publisher is told (MQTT 5 PUBACK 0x97) or sends it again.", UplinkLabel);
        var uplinkRefusedUpstream = Counter("uplink_refused_upstream_total", "Messages the upstream refused (MQTT 5 PUBACK 0x80 or more), deleted unsent.", UplinkLabel);
        var uplinkTooLarge = Counter("uplink_too_large_total", "Messages dropped unsent as too large for the upstream (over its Maximum Packet Size, or it closed the connection on each send).", UplinkLabel);
        var uplinkP2PUnrouted = Counter("uplink_p2p_unrouted_total",
            "P2P messages an uplink with retained routes sent up plainly because no gateway on the upstream announced their target.", UplinkLabel);
        var proxySessions = Gauge("uplink_proxy_sessions", "Proxy sessions an uplink holds open upstream (one per proxied local client).", UplinkLabel);
        var proxyOverCap = Counter("uplink_proxy_over_cap_total", "Clients of proxied groups that got no proxy session: the cap was reached.", UplinkLabel);

        Registry.AddBeforeCollectCallback(() =>
        {
            var status = BrokerStatus.Take(core, engine);
            received.IncTo(status.MessagesReceived);
            sent.IncTo(status.MessagesSent);
            dropped.IncTo(status.PublishDropped);
            storeRefused.IncTo(status.PublishStoreRefused);
            duplicates.IncTo(status.PublishDuplicates);
            bytesReceived.IncTo(status.BytesReceived);
            bytesSent.IncTo(status.BytesSent);
            p2pRouted.IncTo(status.P2PRouted);
            p2pQueued.IncTo(status.P2PQueued);
            p2pTargetOffline.IncTo(status.P2PTargetOffline);
            p2pTargetUnknown.IncTo(status.P2PTargetUnknown);
            p2pTargetUnreachable.IncTo(status.P2PTargetUnreachable);
            p2pUnreachableNotices.IncTo(status.P2PUnreachableNotices);
            announcementsRefused.IncTo(security.Counters.AnnouncementsRefused);
            connectionsAccepted.IncTo(status.ConnectionsAccepted);
            sessionsExpired.IncTo(status.ClientsExpired);
            publishDenied.IncTo(security.Counters.PublishDenied);
            subscribeDenied.IncTo(security.Counters.SubscribeDenied);
            connected.Set(status.ClientsConnected);
            sessions.Set(status.ClientsTotal);
            subscriptions.Set(status.Subscriptions);
            retained.Set(status.RetainedMessages);
            offlineQueued.Set(status.OfflineQueued);
            willHeld.Set(status.WillBytes);
            willMax.Set(status.MaxWillBytes);
            willRefused.IncTo(status.WillsRefused);
            retainedHeld.Set(status.RetainedBytes);
            retainedMax.Set(status.MaxRetainedBytes);
            retainedRefused.IncTo(status.RetainedRefused);
            sessionsRefused.IncTo(status.SessionsRefused);
            quotaDropped.IncTo(status.QuotaDropped);
            pairingWindows.Set(security.OpenPairingWindows(Clock.MonotonicMs()).Count);
            for (var i = 0; i < core.UplinkCount; i++)
            {
                var uplink = core.UplinkAt(i);
                UplinkStatus uplinkStatus = uplink.Status(Clock.NowMs());
                uplinkQueued.WithLabels(uplink.Name).Set(uplinkStatus.Queued);
                uplinkSent.WithLabels(uplink.Name).IncTo(uplinkStatus.Sent);
                uplinkAcknowledged.WithLabels(uplink.Name).IncTo(uplinkStatus.Acknowledged);
                uplinkDropped.WithLabels(uplink.Name).IncTo(uplinkStatus.Dropped);
                uplinkRefused.WithLabels(uplink.Name).IncTo(uplinkStatus.Refused);
                uplinkRefusedUpstream.WithLabels(uplink.Name).IncTo(uplinkStatus.RefusedUpstream);
                uplinkTooLarge.WithLabels(uplink.Name).IncTo(uplinkStatus.TooLarge);
                uplinkP2PUnrouted.WithLabels(uplink.Name).IncTo(uplink.P2PUnroutedCount);
                proxySessions.WithLabels(uplink.Name).Set(uplinkStatus.ProxySessions);
                proxyOverCap.WithLabels(uplink.Name).IncTo(uplinkStatus.ProxyOverCap);
            }
        });
    }

    /// <summary>Reads the SQLite store's group commit at every scrape: commits and the row changes they held, whose
    /// ratio is the batch size. Call once, when the broker starts with a SQLite store.</summary>
    public void Track(GroupCommit writes)
    {
        var commits = Counter("store_commits_total", "Transactions the SQLite store committed (group commits: many messages' rows each).");
        var changes = Counter("store_committed_changes_total", "Row changes (a message kept, an acknowledged one deleted) those transactions held.");
        Registry.AddBeforeCollectCallback(() =>
        {
            commits.IncTo(writes.Batches);
            changes.IncTo(writes.Changes);
        });
    }

    /// <summary><paramref name="message"/> was handed to a receiver's connection now.</summary>
    public void Delivered(RoutedMessage message)
    {
        var nowMs = Clock.NowMs();
        _publishToDeliver.Observe(Math.Max(0, nowMs - Clock.Rebased(message.PublishedAtMs, nowMs)) / 1000.0);
    }

    public void StoreCommitted(TimeSpan elapsed) => _storeCommit.Observe(elapsed.TotalSeconds);

    Counter Counter(string name, string help, params string[] labels) => Factory.CreateCounter(Prefix + name, help, labels);

    Gauge Gauge(string name, string help, params string[] labels) => Factory.CreateGauge(Prefix + name, help, labels);
}
