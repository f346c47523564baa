using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Monitoring
{
    /// <summary>
    /// The broker's status under <c>$SYS/broker/…</c> in mosquitto's layout (topic names and value formats of its
    /// sys_tree.c), so mosquitto dashboards and scripts work unchanged, plus EdgeBroker's own under
    /// <c>$SYS/broker/edgebroker/…</c>. Composed here so both engines publish the same tree; an engine supplies its byte
    /// and retained counts (<see cref="IEngineStatistics"/>) and calls <see cref="Tick"/> about once a second.
    /// Every value is published every interval at QoS 0 and not retained: a retained tree would rewrite the device's
    /// flash every interval, so a new subscriber waits up to one interval for the values. Who may subscribe to
    /// <c>$SYS</c> is the access policy's decision, as for presence events.
    /// </summary>
    public sealed class SysTree
    {
        public const string Prefix = "$SYS/broker/";

        /// <summary>mosquitto's <c>sys_interval</c> default.</summary>
        public const int DefaultIntervalSeconds = 10;

        const int Qos = 0;

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
        long _lastUpdateMs;
        int _maximumClients;
        BrokerSecurity _security;

        /// <summary><paramref name="intervalSeconds"/> 0 publishes nothing (mosquitto's <c>sys_interval 0</c>).</summary>
        public SysTree(BrokerCore core, IEngineStatistics engine, int intervalSeconds, long startedAtMs)
        {
            _core = core;
            _engine = engine;
            _intervalSeconds = intervalSeconds;
            _startedAtMs = startedAtMs;
        }

        /// <summary>The security whose pairing windows are reported; null (no pairing) leaves them out.</summary>
        public BrokerSecurity Security
        {
            get { return _security; }
            set { _security = value; }
        }

        /// <summary>Publishes the tree when the interval has passed since the last publication (the first one at the
        /// first tick).</summary>
        public void Tick(long nowMs)
        {
            if (_intervalSeconds <= 0)
            {
                return;
            }

            lock (_sync)
            {
                if (_lastUpdateMs != 0 && nowMs - _lastUpdateMs < _intervalSeconds * 1000L)
                {
                    return;
                }

                PublishAll(nowMs);
            }
        }

        void PublishAll(long nowMs)
        {
            RoutingCounters counters = _core.Counters;
            long received = counters.Published - counters.FromBroker;
            long sent = counters.P2PDelivered + counters.PubSubDeliveries;
            long dropped = counters.QuotaDropped + counters.EngineDropped + counters.P2PDroppedOffline;
            long bytesReceived = _engine.BytesReceived;
            long bytesSent = _engine.BytesSent;

            Publish("version", BrokerVersion.Text);
            Publish("uptime", ((nowMs - _startedAtMs) / 1000) + " seconds");
            PublishClients();
            PublishPair("messages/received", "publish/messages/received", received);
            PublishPair("messages/sent", "publish/messages/sent", sent);
            Publish("publish/messages/dropped", dropped.ToString());
            Publish("bytes/received", bytesReceived.ToString());
            Publish("bytes/sent", bytesSent.ToString());
            Publish("subscriptions/count", _core.Subscriptions.Count.ToString());
            Publish("retained messages/count", _engine.RetainedCount.ToString());
            int queued = _core.OfflineQueueDepth();
            PublishPair("messages/stored", "store/messages/count", queued);

            if (_lastUpdateMs == 0)
            {
                _messagesReceived.Start(received);
                _messagesSent.Start(sent);
                _publishDropped.Start(dropped);
                _bytesReceived.Start(bytesReceived);
                _bytesSent.Start(bytesSent);
            }
            else
            {
                double elapsedSeconds = (nowMs - _lastUpdateMs) / 1000.0;
                _messagesReceived.Update(received, elapsedSeconds);
                _messagesSent.Update(sent, elapsedSeconds);
                _publishDropped.Update(dropped, elapsedSeconds);
                _bytesReceived.Update(bytesReceived, elapsedSeconds);
                _bytesSent.Update(bytesSent, elapsedSeconds);
            }

            // mosquitto's load/publish/received and /sent equal its load/messages/… here: only PUBLISHes are counted.
            PublishLoad("messages/received", _messagesReceived);
            PublishLoad("publish/received", _messagesReceived);
            PublishLoad("messages/sent", _messagesSent);
            PublishLoad("publish/sent", _messagesSent);
            PublishLoad("publish/dropped", _publishDropped);
            PublishLoad("bytes/received", _bytesReceived);
            PublishLoad("bytes/sent", _bytesSent);

            Publish("edgebroker/p2p/routed", counters.P2PDelivered.ToString());
            Publish("edgebroker/p2p/queued", counters.P2PQueued.ToString());
            Publish("edgebroker/p2p/offline-dropped", counters.P2PDroppedOffline.ToString());
            Publish("edgebroker/p2p/unknown", counters.P2PDroppedNoSession.ToString());
            Publish("edgebroker/offline/queued", queued.ToString());
            if (_security != null)
            {
                Publish("edgebroker/pairing/open", _security.OpenPairingWindows(nowMs).Count.ToString());
            }

            _lastUpdateMs = nowMs;
        }

        void PublishClients()
        {
            ArrayList sessions = _core.Sessions.Snapshot();
            int connected = 0;
            for (int i = 0; i < sessions.Count; i++)
            {
                if (((Session)sessions[i]).IsOnline)
                {
                    connected++;
                }
            }

            if (sessions.Count > _maximumClients)
            {
                _maximumClients = sessions.Count;
            }

            Publish("clients/total", sessions.Count.ToString());
            Publish("clients/maximum", _maximumClients.ToString());
            PublishPair("clients/connected", "clients/active", connected);
            PublishPair("clients/disconnected", "clients/inactive", sessions.Count - connected);
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

        void Publish(string name, string value)
        {
            _core.Router.PublishFromBroker(new RoutedMessage(Prefix + name, EdgeBroker.Core.Text.Utf8.GetBytes(value), Qos, false));
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
