using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Monitoring
{
    /// <summary>
    /// The broker's status under <c>$SYS/broker/…</c> in mosquitto's layout (topic names and value formats of its
    /// sys_tree.c), so mosquitto dashboards and scripts work unchanged, plus EdgeBroker's own under
    /// <c>$SYS/broker/edgebroker/…</c>. Composed here so both engines publish the same tree; an engine supplies its byte
    /// and retained counts (<see cref="IEngineStatistics"/>) and calls <see cref="Tick"/> about once a second. Times are
    /// on the interval clock (<see cref="Clock.MonotonicMs"/>): the uptime and the load averages are intervals.
    /// Every value is published every interval at QoS 0 and not retained: a retained tree would rewrite the device's
    /// flash every interval, so a new subscriber waits up to one interval for the values. The values are taken at once
    /// and sent in batches as the subscribers' queues empty (<see cref="SysPublication"/>), so the tree fits the
    /// device's own queue bounds. Who may subscribe to <c>$SYS</c> is the access policy's decision, as for presence
    /// events.
    /// </summary>
    public sealed class SysTree
    {
        public const string Prefix = "$SYS/broker/";

        /// <summary>mosquitto's <c>sys_interval</c> default.</summary>
        public const int DefaultIntervalSeconds = 10;

        readonly object _sync = new object();
        readonly BrokerCore _core;
        readonly IEngineStatistics _engine;
        readonly int _intervalSeconds;
        readonly long _startedAtMs;
        readonly LoadAverage _messagesReceived = new LoadAverage();
        readonly LoadAverage _messagesSent = new LoadAverage();
        readonly LoadAverage _publishDropped = new LoadAverage();
        readonly LoadAverage _bytesReceived = new LoadAverage();
        readonly LoadAverage _bytesSent = new LoadAverage();
        readonly LoadAverage _connections = new LoadAverage();
        readonly SysPublication _publication;
        long _lastUpdateMs;
        bool _published;
        int _maximumClients;
        BrokerSecurity _security;

        /// <summary><paramref name="intervalSeconds"/> 0 publishes nothing (mosquitto's <c>sys_interval 0</c>).</summary>
        public SysTree(BrokerCore core, IEngineStatistics engine, int intervalSeconds, long startedAtMs)
        {
            _core = core;
            _engine = engine;
            _intervalSeconds = intervalSeconds;
            _startedAtMs = startedAtMs;
            _publication = new SysPublication(core, Prefix);
            core.SysPublication = _publication;
        }

        /// <summary>The security whose pairing windows are reported; null (no pairing) leaves them out.</summary>
        public BrokerSecurity Security
        {
            get { return _security; }
            set { _security = value; }
        }

        /// <summary>Publishes the tree when the interval has passed since the last publication began (the first one at
        /// the first tick) and the last one has been sent; goes on with a batch its subscribers were too slow for.</summary>
        public void Tick(long nowMs)
        {
            if (_intervalSeconds <= 0)
            {
                return;
            }

            lock (_sync)
            {
                _publication.Tick(nowMs);
                if (_publication.InProgress || (_published && nowMs - _lastUpdateMs < _intervalSeconds * 1000L))
                {
                    return;
                }

                PublishAll(nowMs);
            }
        }

        void PublishAll(long nowMs)
        {
            BrokerStatus status = BrokerStatus.Take(_core, _engine);
            Publish("version", BrokerVersion.Text);
            Publish("uptime", ((nowMs - _startedAtMs) / 1000) + " seconds");
            if (status.ClientsTotal > _maximumClients)
            {
                _maximumClients = status.ClientsTotal;
            }

            Publish("clients/total", status.ClientsTotal.ToString());
            Publish("clients/maximum", _maximumClients.ToString());
            Publish("clients/expired", status.ClientsExpired.ToString());
            PublishPair("clients/connected", "clients/active", status.ClientsConnected);
            PublishPair("clients/disconnected", "clients/inactive", status.ClientsTotal - status.ClientsConnected);
            PublishPair("messages/received", "publish/messages/received", status.MessagesReceived);
            PublishPair("messages/sent", "publish/messages/sent", status.MessagesSent);
            Publish("publish/messages/dropped", status.PublishDropped.ToString());
            Publish("bytes/received", status.BytesReceived.ToString());
            Publish("bytes/sent", status.BytesSent.ToString());
            Publish("subscriptions/count", status.Subscriptions.ToString());
            Publish("retained messages/count", status.RetainedMessages.ToString());
            PublishPair("messages/stored", "store/messages/count", status.OfflineQueued);
            PublishLoads(status, nowMs);

            Publish("edgebroker/p2p/routed", status.P2PRouted.ToString());
            Publish("edgebroker/p2p/queued", status.P2PQueued.ToString());
            Publish("edgebroker/p2p/target-offline", status.P2PTargetOffline.ToString());
            Publish("edgebroker/p2p/target-unknown", status.P2PTargetUnknown.ToString());
            Publish("edgebroker/p2p/target-unreachable", status.P2PTargetUnreachable.ToString());
            Publish("edgebroker/p2p/unreachable-notices", status.P2PUnreachableNotices.ToString());
            Publish("edgebroker/offline/queued", status.OfflineQueued.ToString());
            Publish("edgebroker/will/held-bytes", status.WillBytes.ToString());
            Publish("edgebroker/will/max-bytes", status.MaxWillBytes.ToString());
            Publish("edgebroker/will/refused", status.WillsRefused.ToString());
            Publish("edgebroker/retained/held-bytes", status.RetainedBytes.ToString());
            Publish("edgebroker/retained/max-bytes", status.MaxRetainedBytes.ToString());
            Publish("edgebroker/retained/refused", status.RetainedRefused.ToString());
            Publish("edgebroker/sessions/refused", status.SessionsRefused.ToString());
            Publish("edgebroker/quota/dropped", status.QuotaDropped.ToString());
            if (_security != null)
            {
                Publish("edgebroker/pairing/open", _security.OpenPairingWindows(nowMs).Count.ToString());
            }

            int heapFree = _engine.HeapFreeBytes;
            if (heapFree >= 0)
            {
                Publish("edgebroker/heap/free", heapFree.ToString());
            }

            _lastUpdateMs = nowMs;
            _published = true;
            _publication.Start(nowMs);
        }

        void PublishLoads(BrokerStatus status, long nowMs)
        {
            // Nothing elapsed at the first publication: the rates start from here.
            double elapsedSeconds = _published ? (nowMs - _lastUpdateMs) / 1000.0 : 0;
            _messagesReceived.Update(status.MessagesReceived, elapsedSeconds);
            _messagesSent.Update(status.MessagesSent, elapsedSeconds);
            _publishDropped.Update(status.PublishDropped, elapsedSeconds);
            _bytesReceived.Update(status.BytesReceived, elapsedSeconds);
            _bytesSent.Update(status.BytesSent, elapsedSeconds);
            _connections.Update(status.ConnectionsAccepted, elapsedSeconds);

            // mosquitto's load/publish/received and /sent equal its load/messages/… here: only PUBLISHes are counted.
            PublishLoad("messages/received", _messagesReceived);
            PublishLoad("publish/received", _messagesReceived);
            PublishLoad("messages/sent", _messagesSent);
            PublishLoad("publish/sent", _messagesSent);
            PublishLoad("publish/dropped", _publishDropped);
            PublishLoad("bytes/received", _bytesReceived);
            PublishLoad("bytes/sent", _bytesSent);
            PublishLoad("connections", _connections);
        }

        /// <summary>A value mosquitto publishes under two names (a current one and a deprecated or older one).</summary>
        void PublishPair(string name, string otherName, long value)
        {
            string text = value.ToString();
            Publish(name, text);
            Publish(otherName, text);
        }

        void PublishLoad(string name, LoadAverage load)
        {
            Publish("load/" + name + "/1min", TwoDecimals(load.OneMinute));
            Publish("load/" + name + "/5min", TwoDecimals(load.FiveMinutes));
            Publish("load/" + name + "/15min", TwoDecimals(load.FifteenMinutes));
        }

        /// <summary>Adds a topic to this interval's tree, which <see cref="SysPublication"/> sends once it is whole.</summary>
        void Publish(string name, string value)
        {
            _publication.Add(name, value);
        }

        /// <summary>mosquitto's <c>%.2f</c> for the non-negative load values, the same on every culture and device.</summary>
        static string TwoDecimals(double value)
        {
            long hundredths = (long)(value * 100 + 0.5);
            long fraction = hundredths % 100;
            return (hundredths / 100) + (fraction < 10 ? ".0" : ".") + fraction;
        }
    }
}
