using System.Collections;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Outbound;
using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>What every connection of one relay shares: the routing core and its security, the retained messages, the
    /// limits, the buffers, the transmitter, the count of admitted clients and the bytes they moved. Thread-safe.</summary>
    public sealed class RelayContext : IEngineStatistics
    {
        /// <summary>The smallest receive and send buffer (sizes double from it up to the maximum packet size); most sensor
        /// messages fit.</summary>
        public const int SmallBufferSize = 256;

        /// <summary>The firmware delivers at QoS 0 and 1 and grants subscriptions at most QoS 1.</summary>
        public const int MaxQos = 1;

        readonly object _sync = new object();
        readonly ArrayList _connections = new ArrayList();
        readonly ProblemReports _problems;
        int _clients;

        public RelayContext(BrokerCore core, BrokerSecurity security, RetainedMessages retained, RelaySettings settings, IRelayLog log)
        {
            Core = core;
            Security = security;
            Retained = retained;
            Settings = settings;
            Log = log;
            Buffers = new BufferPool(SmallBufferSize, settings.MaxPacketSize, settings.MaxBufferBytes);
            Strings = new StringDecoder();
            Transmitter = new Transmitter(log);
            OutboundLimits = settings.ToOutboundQueueLimits();
            ConnectionRate = new SourceRateLimiter(settings.MaxConnectionsPerSource, settings.ConnectionRateWindowSeconds * 1000L,
                RelaySettings.MaxTrackedSources);
            _problems = new ProblemReports(RelaySettings.MaxTrackedSources);
            UplinkRefusals = new DropReports();
            StoreRefusals = new DropReports();
            BufferRefusals = new DropReports();
            SessionStoreRefusals = new DropReports();
            Bytes = new ByteCounters();
            HeapFreeBytes = -1;
            SysTree = new SysTree(core, this, settings.SysIntervalSeconds, Clock.MonotonicMs());
            SysTree.Security = security;
            core.KeepRetained = KeepRetained;
            core.Retained = retained;
            core.MaxSubscriptionsPerClient = settings.MaxSubscriptionsPerClient;
            core.MaxWillBytes = settings.MaxWillBytes;
            core.WillExtraBytes = HeldMessage.ObjectBytes;
            core.MaxAwaitingRelease = RelaySettings.MaxAwaitingRelease;
        }

        /// <summary>The gateway as the firmware composes it — on the device, in the emulator and in the tests alike:
        /// the routing core deciding with <paramref name="security"/>'s access policy on <paramref name="store"/>
        /// (persistent sessions, their subscriptions and offline messages, brought back as they were), and the retained
        /// messages, kept there too, all sized by <paramref name="settings"/>. Access denials are logged.</summary>
        public static RelayContext Compose(RelaySettings settings, FlashStore store, BrokerSecurity security, IRelayLog log)
        {
            BrokerCore core = new BrokerCore(security.Policy, store.Offline, store.Sessions, settings.ToOfflineLimits(), MaxQos, settings.MaxClients);
            security.KnownClients = core;

            // Routes to clients of gateways below this one (P2P federation) cost heap like clients: as many at most.
            core.P2PMaxRoutes = settings.MaxClients;
            core.P2PUnreachableCacheSize = RelaySettings.P2PUnreachableCacheSize;
            core.P2PUnreachableTtlSeconds = settings.P2PUnreachableTtlSeconds;
            int restored = core.Restore();
            RetainedMessages retained = new RetainedMessages(settings.MaxRetainedMessages, settings.MaxRetainedBytes,
                RetainedFootprint.ExtraBytes, store.Retained);
            log.Info("Store " + store.LogPath + ": " + restored + " persistent sessions, " + retained.Count + " retained messages ("
                + retained.Bytes + " bytes of heap)");
            RelayContext context = new RelayContext(core, security, retained, settings, log);
            security.Policy.Denied = context.LogDenial;
            log.Info("P2P route announcements (federation) are accepted from " + core.RouteAnnouncers);
            log.Info("P2P messages may reach " + core.P2PReach);
            core.StoreConditionChanged = context.LogStoreCondition;
            return context;
        }

        public BrokerCore Core { get; private set; }

        /// <summary>What may wait for each connected client (<see cref="RelaySettings.ToOutboundQueueLimits"/>).</summary>
        public OutboundQueueLimits OutboundLimits { get; private set; }

        /// <summary>Whether the flash log refused its last write for lack of room (until a write succeeds again).</summary>
        public bool StoreFull { get; private set; }

        /// <summary>Free bytes of the managed heap at the device's last measurement, for <c>$SYS</c>; -1 (not published)
        /// where nothing measures it: the emulator, whose heap is not the device's.</summary>
        public int HeapFreeBytes { get; set; }

        /// <summary>The flash log filled up or has room again: said once per change, not per refused PUBLISH.</summary>
        void LogStoreCondition(bool writable)
        {
            StoreFull = !writable;
            if (writable)
            {
                Log.Info("Flash store has room again: QoS 1 messages for persistent sessions and the uplink queue are kept and acknowledged");
            }
            else
            {
                Log.Warning("Flash store full: QoS 1 PUBLISHes that a persistent session or the uplink queue needs kept are not acknowledged "
                    + "(their connections close, the clients resend) until acknowledged messages make room; QoS 0 flows on");
            }
        }

        /// <summary>The core's <see cref="RetainedKeeper"/>: a refusal (<c>max_retained_messages</c>,
        /// <c>max_retained_bytes</c> or the store full) is counted by the retained set.</summary>
        void KeepRetained(RoutedMessage message)
        {
            Retained.Update(message);
        }

        /// <summary>Authentication, pairing and access control (the core's).</summary>
        public BrokerSecurity Security { get; private set; }

        public RetainedMessages Retained { get; private set; }

        public RelaySettings Settings { get; private set; }

        public IRelayLog Log { get; private set; }

        public BufferPool Buffers { get; private set; }

        /// <summary>Decodes the strings of every connection's packets.</summary>
        public StringDecoder Strings { get; private set; }

        public Transmitter Transmitter { get; private set; }

        /// <summary>New connections per source address (the core's decision, configured by the settings).</summary>
        public SourceRateLimiter ConnectionRate { get; private set; }

        /// <summary>Logs a connection closed for what it did (bad input, a flood): once per source address a minute,
        /// the rest counted, so a flood of bad connections cannot fill the log. <paramref name="connection"/> says which
        /// (see <see cref="RelayConnection.Describe"/>), or is null before a connection was set up.</summary>
        public void ReportProblem(string source, string connection, string problem)
        {
            if (_problems.ShouldReport(source, Clock.MonotonicMs()))
            {
                Log.Warning("Closed connection" + (connection == null ? "" : " " + connection) + " from " + source + ": " + problem
                    + ". Further problems from this address are counted, not logged, for a minute ("
                    + _problems.Suppressed + " counted so far from all addresses)");
            }
        }

        /// <summary>
        /// Logs the QoS 1 messages the core dropped since the last look because a connected clean session's queue was
        /// full — its own subscription's, or every member's of its share group — (<see cref="BrokerCore.QueueFullDropToReport"/>),
        /// when a line is due: the first, then at most one a minute. Asked after every PUBLISH routed, from a client or
        /// from upstream: its publisher was acknowledged, so the log is where the drop shows.
        /// </summary>
        public void ReportQueueFullDrops()
        {
            string receiver;
            string tally;
            if (Core.QueueFullDropToReport(out receiver, out tally))
            {
                Log.Warning("Dropped QoS 1 messages for client " + ClientTextForLog.Of(receiver) + ", acknowledged to their publishers: "
                    + WhyRefused(receiver) + " and its clean session keeps nothing" + tally);
            }
        }

        /// <summary>
        /// Why <paramref name="receiverClientId"/>'s connection refused the latest message dropped for it: a closing
        /// connection refuses every message (<see cref="RelayConnection.IsClosing"/>), otherwise its queue was full (or
        /// the buffers' bound, which logs its own line, refused it). Asked right after the PUBLISH whose routing dropped it,
        /// so the connection is still in the state that refused it.
        /// </summary>
        string WhyRefused(string receiverClientId)
        {
            RelayConnection connection = Core.ConnectionOf(receiverClientId) as RelayConnection;
            if (connection == null || connection.IsClosing)
            {
                return "its connection was closing";
            }

            return "its queue was full (" + RelaySettings.MaxQueuedMessagesPerClientKey + " " + Settings.MaxQueuedMessagesPerClient + " or "
                + RelaySettings.MaxQueuedBytesPerClientKey + " " + Settings.MaxQueuedBytesPerClient + ", or the buffers at "
                + RelaySettings.MaxBufferBytesKey + "): it reads more slowly than it is sent to";
        }

        /// <summary>Which PUBLISHes refused by the uplink's full queue are logged.</summary>
        public DropReports UplinkRefusals { get; private set; }

        /// <summary>Which PUBLISHes refused because the store cannot write (a full drive) are logged: the first, then
        /// at most one a minute.</summary>
        public DropReports StoreRefusals { get; private set; }

        /// <summary>Which messages refused by the buffers' bound (<see cref="RelaySettings.MaxBufferBytes"/>) are logged:
        /// the first, then at most one a minute.</summary>
        public DropReports BufferRefusals { get; private set; }

        /// <summary>Which CONNECTs refused because the flash log could not keep their session are logged: the first, then
        /// at most one a minute — the store's condition, not a client's.</summary>
        public DropReports SessionStoreRefusals { get; private set; }

        /// <summary>Bytes read from and written to client sockets, for the <c>$SYS</c> tree.</summary>
        public ByteCounters Bytes { get; private set; }

        /// <summary>The <c>$SYS/broker/…</c> status, published by <see cref="Housekeeping"/>.</summary>
        public SysTree SysTree { get; private set; }

        public long BytesReceived
        {
            get { return Bytes.Received; }
        }

        public long BytesSent
        {
            get { return Bytes.Sent; }
        }

        public int RetainedCount
        {
            get { return Retained.Count; }
        }

        /// <summary>A PUBLISH or SUBSCRIBE the access policy refused (3.1.1 cannot tell the publisher, so the log does).</summary>
        void LogDenial(string clientId, string topicOrFilter, bool isPublish, string reason)
        {
            Log.Warning("Refused " + (isPublish ? "PUBLISH" : "SUBSCRIBE") + " of client " + ClientTextForLog.Of(clientId) + " to " + ClientTextForLog.Of(topicOrFilter) + ": " + reason);
        }

        /// <summary>Clients admitted (CONNECT accepted) and not yet gone.</summary>
        public int ConnectedClients
        {
            get
            {
                lock (_sync)
                {
                    return _clients;
                }
            }
        }

        /// <summary>Admits one more client unless <see cref="RelaySettings.MaxClients"/> are connected. A client taking over
        /// its own client ID is admitted regardless (<paramref name="takingOver"/>): the connection it replaces is about
        /// to release its place.</summary>
        public bool TryAdmit(bool takingOver)
        {
            lock (_sync)
            {
                if (!takingOver && _clients >= Settings.MaxClients)
                {
                    return false;
                }

                _clients++;
                return true;
            }
        }

        public void Release()
        {
            lock (_sync)
            {
                _clients--;
            }
        }

        /// <summary>A TCP connection was accepted (admitted as a client or not).</summary>
        public void Track(RelayConnection connection)
        {
            lock (_sync)
            {
                _connections.Add(connection);
            }
        }

        public void Forget(RelayConnection connection)
        {
            lock (_sync)
            {
                _connections.Remove(connection);
            }
        }

        /// <summary>The open connections whose expected packet is late at <paramref name="now"/>
        /// (<see cref="RelayConnection.IsOverdue"/>), or null when none is (the usual second: nothing allocated).</summary>
        public ArrayList OverdueConnections(int now)
        {
            ArrayList overdue = null;
            lock (_sync)
            {
                for (int i = 0; i < _connections.Count; i++)
                {
                    RelayConnection connection = (RelayConnection)_connections[i];
                    if (connection.IsOverdue(now))
                    {
                        if (overdue == null)
                        {
                            overdue = new ArrayList();
                        }

                        overdue.Add(connection);
                    }
                }
            }

            return overdue;
        }

        /// <summary>The open TCP connections, copied (for shutting down).</summary>
        public ArrayList OpenConnections()
        {
            ArrayList copy = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _connections.Count; i++)
                {
                    copy.Add(_connections[i]);
                }
            }

            return copy;
        }
    }
}
