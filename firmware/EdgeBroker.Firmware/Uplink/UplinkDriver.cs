using System;
using System.Collections;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Codec;

namespace EdgeBroker.Firmware.Uplink
{
    /// <summary>
    /// Runs one of the core's <see cref="Core.Uplink.Uplink"/>s over an <see cref="IUplinkTransport"/> on a
    /// <see cref="Worker"/> thread of its own: connects when the core says so (its backoff and failover), reports the
    /// outcome, subscribes to the subscribe rules' filters, sends what the core hands out within the in-flight window
    /// (resends with DUP), and reports each PUBACK — by the entry's sequence, whatever packet identifier the transport
    /// used. Messages from the upstream are routed locally through the core, marked with their origin. Woken by a
    /// PUBACK, a lost connection, or a local PUBLISH (<see cref="Wake"/>); otherwise it looks every
    /// <see cref="IdleIntervalMilliseconds"/>. Decides nothing itself.
    /// </summary>
    public sealed class UplinkDriver : IUplinkTransportListener
    {
        /// <summary>How often the driver looks when nothing wakes it: the backoff's next attempt is at most this late.</summary>
        public const int IdleIntervalMilliseconds = 250;

        /// <summary>The status is published at QoS 1, like the presence events.</summary>
        const int StatusQos = 1;

        readonly object _sync = new object();
        readonly Core.Uplink.Uplink _uplink;
        readonly IUplinkTransport _transport;
        readonly RelayContext _relay;
        readonly IRelayLog _log;
        readonly Worker _worker;
        readonly byte[] _caCertificate;
        readonly UplinkStateReports _stateReports = new UplinkStateReports();

        /// <summary>Which drops of each kind are logged (<see cref="DropReports"/>), made at the first drop of their kind:
        /// an uplink that drops nothing keeps its bytes of the device's heap.</summary>
        DropReports _tooLargeReports;
        DropReports _tooLargeUpReports;
        DropReports _unroutedReports;
        DropReports _droppedReports;
        readonly ArrayList _sendable = new ArrayList();

        /// <summary>True while <see cref="Connect"/> waits for the transport and reports the outcome: a loss reported
        /// meanwhile (the connection dropped right after its CONNACK) is held in <see cref="_lostWhileConnecting"/> and
        /// reported once the core knows the connection was up — the core ignores a loss before it.</summary>
        bool _connecting;
        string _lostWhileConnecting;

        /// <summary>Whether a message from upstream waits for a backed-up receiver (the transport's reading thread only);
        /// null with a transport that acknowledges before the driver sees a message (M2Mqtt on the device), which
        /// holding back cannot help — its bytes stay off the device's heap.</summary>
        readonly DownlinkHoldBack _holdBack;

        /// <summary>Whether the last retained status could not be published (the store cannot write): said once per
        /// change, not per state change.</summary>
        bool _statusFailing;

        /// <summary>The packet identifier each in-flight QoS 1 entry went with, and its sequence (same index); 0 is free.</summary>
        readonly int[] _packetIds;
        readonly long[] _sequences;

        /// <param name="caCertificate">The CA certificate the upstream's TLS certificate must chain to (null: the
        /// platform's roots).</param>
        public UplinkDriver(Core.Uplink.Uplink uplink, IUplinkTransport transport, RelayContext relay, byte[] caCertificate)
        {
            _uplink = uplink;
            _transport = transport;
            _relay = relay;
            _log = relay.Log;
            _caCertificate = caCertificate;
            _holdBack = transport.AcknowledgesAfterDelivery ? new DownlinkHoldBack(relay.Core, uplink.Settings.KeepAliveSeconds) : null;
            _packetIds = new int[uplink.Settings.InFlightWindow];
            _sequences = new long[uplink.Settings.InFlightWindow];
            _worker = new Worker("uplink " + uplink.Name, RunOnce, IdleIntervalMilliseconds, _log);
            uplink.StateChanged = StateChanged;
            uplink.Dropped = Dropped;
            uplink.Queued = Queued;
            uplink.P2PUnrouted = P2PUnrouted;
            relay.Core.CycleOfUplinks = CycleOfUplinks;
        }

        public Core.Uplink.Uplink Uplink
        {
            get { return _uplink; }
        }

        public void Start()
        {
            _worker.Start();
        }

        /// <summary>Stops the thread and disconnects; what is queued stays in the store for the next start. With retained
        /// P2P routes the gateway's status says offline first, as its will would (a DISCONNECT sends no will).</summary>
        public void Stop()
        {
            _worker.Stop();
            string statusTopic = _uplink.WillTopic;
            if (statusTopic != null && _uplink.State == UplinkState.Connected)
            {
                try
                {
                    _transport.Publish(statusTopic, _uplink.WillPayload, 0, true, false, 0);
                }
                catch (UplinkTransportException)
                {
                    // Gone already: the upstream publishes the will instead.
                }
            }

            _transport.Disconnect();
        }

        /// <summary>One round: connect when due, then send what the window allows (the thread's; tests call it too).</summary>
        public void RunOnce()
        {
            UplinkAddress address = _uplink.NextConnect(Clock.MonotonicMs());
            if (address != null)
            {
                Connect(address);
            }

            Send();
        }

        public void PublishAcknowledged(int packetId)
        {
            long sequence = 0;
            lock (_sync)
            {
                for (int i = 0; i < _packetIds.Length; i++)
                {
                    if (_packetIds[i] == packetId)
                    {
                        sequence = _sequences[i];
                        _packetIds[i] = 0;
                        break;
                    }
                }
            }

            if (sequence != 0)
            {
                _uplink.Acknowledged(sequence);
                _worker.Wake();
            }
        }

        public void MessageReceived(string topic, byte[] payload, int qos, bool retain)
        {
            if (_uplink.Learn(topic, payload, retain, Clock.MonotonicMs()))
            {
                return;
            }

            RoutedMessage message = _uplink.Down(topic, payload, qos, retain);
            if (message == null)
            {
                _log.Warning("Uplink " + _uplink.Name + ": dropped a message on " + ClientTextForLog.Of(topic) + " that no subscribe rule covers");
                return;
            }

            if (_holdBack != null)
            {
                // The transport reads nothing more meanwhile, so the upstream keeps what follows (DownlinkHoldBack). Timed
                // on the monotonic clock: a wall clock SNTP steps would cut the wait short.
                long heldSinceMs = Clock.MonotonicMs();
                while (_holdBack.ShouldWait(message, heldSinceMs, Clock.MonotonicMs()))
                {
                    Thread.Sleep(DownlinkHoldBack.PollMilliseconds);
                }
            }

            _relay.Core.PublishFromUplink(message);
            string tally;
            if (_relay.Core.QuotaDropToReport(out tally))
            {
                _log.Warning("Uplink " + _uplink.Name + ": dropped a message from upstream for " + ClientTextForLog.Of(message.Topic)
                    + ": the receiver's offline quota is full" + tally);
            }

            _relay.ReportQueueFullDrops();
        }

        public void MessageTooLarge(string topic, int packetBytes, int qos)
        {
            string tally;
            if (Made(ref _tooLargeReports).ShouldReport(_uplink.SkippedTooLarge(), out tally))
            {
                _log.Warning("Uplink " + _uplink.Name + ": skipped a message from the upstream on " + (topic == null ? "a topic too long to read" : ClientTextForLog.Of(topic))
                    + ": " + packetBytes + " bytes exceed max_packet_size " + _relay.Settings.MaxPacketSize
                    + (qos > 0 ? " (acknowledged, so the upstream does not send it again)" : "") + tally);
            }
        }

        public void ConnectionLost(string reason)
        {
            lock (_sync)
            {
                if (_connecting)
                {
                    _lostWhileConnecting = reason;
                    return;
                }
            }

            ReportLost(reason);
            _worker.Wake();
        }

        /// <summary>Logs the change and publishes the status retained, as a broker's own message (like presence events).</summary>
        void StateChanged(Core.Uplink.Uplink uplink, UplinkStatus status)
        {
            string note;
            int level = _stateReports.Judge(status, Clock.MonotonicMs(), out note);
            string line = "Uplink " + status.Name + ": " + UplinkStatus.StateName(status.State) + " (" + status.Address + ", "
                + status.Queued + " queued)";
            if (level == UplinkStateReports.Warning)
            {
                _log.Warning(line + ": " + status.LastError + note);
            }
            else if (level == UplinkStateReports.Information)
            {
                _log.Info(line + note);
            }

            try
            {
                _relay.Core.PublishFromBroker(new RoutedMessage(uplink.StateTopic, Utf8.GetBytes(status.ToJson()), StatusQos, true));
                if (_statusFailing)
                {
                    _statusFailing = false;
                    _log.Info("Uplink " + status.Name + ": its status is published on " + uplink.StateTopic + " again");
                }
            }
            catch (Exception e)
            {
                // The status could not be routed (kept on the heap only as retained, but an away persistent $SYS
                // subscriber's copy goes through the store, which may not write: a full drive). The uplink carries on;
                // the log has its state changes, and the status publishes again once the store can write.
                if (!_statusFailing)
                {
                    _statusFailing = true;
                    _log.Warning("Uplink " + status.Name + ": cannot publish its status on " + uplink.StateTopic + " (" + e.Message
                        + "); the uplink carries on, and this is said again only once it can");
                }
            }
        }

        /// <summary>A local PUBLISH was queued (on the publisher's thread): send it now.</summary>
        void Queued(Core.Uplink.Uplink uplink)
        {
            _worker.Wake();
        }

        /// <summary>P2P messages sent up plainly for a target no gateway announced, logged as drops are.</summary>
        void P2PUnrouted(Core.Uplink.Uplink uplink, string topic, long total)
        {
            string tally;
            if (Made(ref _unroutedReports).ShouldReport(total, out tally))
            {
                _log.Warning("Uplink " + uplink.Name + ": a P2P message went up plainly on " + ClientTextForLog.Of(topic)
                    + ": no gateway on the upstream announced its target, so only a subscriber to that address there receives it" + tally);
            }
        }

        void CycleOfUplinks(string gatewayClientId, string path)
        {
            _log.Warning("P2P federation: gateway " + ClientTextForLog.Of(gatewayClientId) + " announced a route through " + ClientTextForLog.Of(path)
                + ", which leads back up through this gateway: the uplinks form a cycle. Its routes are ignored and its P2P messages no longer go up; fix the uplink configuration");
        }

        /// <summary>A full queue drops one entry per message: logged as drops are, not each.</summary>
        void Dropped(Core.Uplink.Uplink uplink, long droppedTotal)
        {
            string tally;
            if (Made(ref _droppedReports).ShouldReport(droppedTotal, out tally))
            {
                _log.Warning("Uplink " + uplink.Name + ": queue full, dropped its oldest entry not yet sent" + tally);
            }
        }

        /// <summary>Tells the core the connection ended. The core may drop the entry the upstream closed the connection
        /// on each time it was sent (too large for it): logged as drops are.</summary>
        void ReportLost(string reason)
        {
            string dropped = _uplink.ConnectionLost(reason, Clock.MonotonicMs());
            string tally;
            if (dropped != null && Made(ref _tooLargeUpReports).ShouldReport(out tally))
            {
                _log.Warning("Uplink " + _uplink.Name + ": " + dropped + tally);
            }
        }

        /// <summary><paramref name="reports"/>, made now if this is its kind's first drop.</summary>
        DropReports Made(ref DropReports reports)
        {
            lock (_sync)
            {
                if (reports == null)
                {
                    reports = new DropReports();
                }

                return reports;
            }
        }

        void Connect(UplinkAddress address)
        {
            lock (_sync)
            {
                // Acknowledgements of the last connection's packet identifiers will not come: the entries are resent.
                for (int i = 0; i < _packetIds.Length; i++)
                {
                    _packetIds[i] = 0;
                }
            }

            lock (_sync)
            {
                _connecting = true;
                _lostWhileConnecting = null;
            }

            int returnCode;
            try
            {
                returnCode = _transport.Connect(RequestFor(address), this);
            }
            catch (UplinkTransportException e)
            {
                EndConnecting();
                _uplink.ConnectFailed(e.Message, Clock.MonotonicMs());
                return;
            }

            if (returnCode != ConnectReturnCode.Accepted)
            {
                EndConnecting();
                _uplink.ConnectFailed("the upstream refused the connection: CONNACK return code " + returnCode
                    + " (" + ConnAckReason(returnCode) + ")", Clock.MonotonicMs());
                return;
            }

            _uplink.Connected(Clock.MonotonicMs());
            string lost = EndConnecting();
            if (lost != null)
            {
                // Lost between the CONNACK and now: the core hears of it only now that it knows the connection was up.
                ReportLost(lost);
                return;
            }

            Subscribe();
        }

        /// <summary>Connecting is over: from now on a loss goes straight to the core. Returns a loss reported meanwhile.</summary>
        string EndConnecting()
        {
            lock (_sync)
            {
                _connecting = false;
                string lost = _lostWhileConnecting;
                _lostWhileConnecting = null;
                return lost;
            }
        }

        /// <summary>Made for each attempt rather than kept: the credentials (a signature in Signature mode) live on the
        /// heap only while connecting.</summary>
        UplinkConnectRequest RequestFor(UplinkAddress address)
        {
            UplinkSettings settings = _uplink.Settings;
            UplinkCredentials credentials = UplinkCredentials.For(settings);
            UplinkConnectRequest request = new UplinkConnectRequest();
            request.Host = address.Host;
            request.Port = address.Port;
            request.Tls = address.Tls;
            request.CaCertificate = _caCertificate;
            request.ClientId = settings.ClientId;
            request.UserName = credentials.UserName;
            request.Password = credentials.Password;
            request.KeepAliveSeconds = settings.KeepAliveSeconds;
            request.WillTopic = _uplink.WillTopic;
            request.WillPayload = _uplink.WillPayload;
            return request;
        }

        void Subscribe()
        {
            ArrayList rules = _uplink.Settings.SubscribeRules;
            string[] p2pFilters = _uplink.P2PFilters();
            if (rules.Count + p2pFilters.Length == 0)
            {
                return;
            }

            string[] filters = new string[rules.Count + p2pFilters.Length];
            int[] qos = new int[filters.Length];
            for (int i = 0; i < rules.Count; i++)
            {
                UplinkRule rule = (UplinkRule)rules[i];
                filters[i] = rule.RemoteFilter;
                qos[i] = rule.Qos;
            }

            for (int i = 0; i < p2pFilters.Length; i++)
            {
                filters[rules.Count + i] = p2pFilters[i];
                qos[rules.Count + i] = 1;
            }

            try
            {
                _transport.Subscribe(filters, qos);
            }
            catch (UplinkTransportException e)
            {
                Lost(e.Message);
            }
        }

        void Send()
        {
            _sendable.Clear();
            _uplink.TakeSendable(_sendable);
            for (int i = 0; i < _sendable.Count; i++)
            {
                UplinkEntry entry = (UplinkEntry)_sendable[i];
                try
                {
                    Publish(entry);
                }
                catch (UplinkTransportException e)
                {
                    Lost(e.Message);
                    break;
                }
            }

            _sendable.Clear();
        }

        void Publish(UplinkEntry entry)
        {
            if (entry.Qos == 0)
            {
                _transport.Publish(entry.RemoteTopic, entry.Payload, 0, entry.Retain, false, 0);
                _uplink.Written(entry.Sequence);
                return;
            }

            // Under the lock, so a PUBACK that overtakes the return of Publish finds its entry.
            lock (_sync)
            {
                // The slot is found before sending: a PUBLISH the table could not track would never have its PUBACK
                // reported, and its entry would hold a place in the core's window for good.
                int slot = SlotFor(entry.Sequence);
                if (slot < 0)
                {
                    // More in flight than the window: the core and the table disagree. A new connection starts both
                    // afresh (the table is cleared, the core resends what is unacknowledged).
                    throw new UplinkTransportException("more than uplink_inflight (" + _packetIds.Length
                        + ") messages would be in flight; reconnecting to resend them");
                }

                _packetIds[slot] = _transport.Publish(entry.RemoteTopic, entry.Payload, 1, entry.Retain, entry.Duplicate, PacketIdFor(entry.Sequence));
                _sequences[slot] = entry.Sequence;
            }
        }

        /// <summary>The table's slot for the entry <paramref name="sequence"/>: the one it already has, else a free one;
        /// -1 when all are taken by other entries. Under the lock.</summary>
        int SlotFor(long sequence)
        {
            int free = -1;
            for (int i = 0; i < _packetIds.Length; i++)
            {
                if (_packetIds[i] != 0 && _sequences[i] == sequence)
                {
                    return i;
                }

                if (_packetIds[i] == 0 && free < 0)
                {
                    free = i;
                }
            }

            return free;
        }

        /// <summary>The connection failed under the driver (a send or subscribe): close it and let the core back off.</summary>
        void Lost(string reason)
        {
            _transport.Disconnect();
            ReportLost(reason);
        }

        /// <summary>The packet identifier proposed for an entry: the same on every resend of it, and distinct among the
        /// entries in flight (they are fewer than 65,535 sequences apart).</summary>
        static int PacketIdFor(long sequence)
        {
            return (int)(sequence % 65535) + 1;
        }

        /// <summary>MQTT 3.1.1 §3.2.2.3's meaning of a refusing CONNACK's return code.</summary>
        static string ConnAckReason(int returnCode)
        {
            switch (returnCode)
            {
                case ConnectReturnCode.UnacceptableProtocolVersion:
                    return "unacceptable protocol version";
                case ConnectReturnCode.IdentifierRejected:
                    return "identifier rejected";
                case ConnectReturnCode.ServerUnavailable:
                    return "server unavailable";
                case ConnectReturnCode.BadUserNameOrPassword:
                    return "bad user name or password";
                case ConnectReturnCode.NotAuthorized:
                    return "not authorized";
                default:
                    return "unknown";
            }
        }
    }
}
