using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Presence
{
    /// <summary>
    /// Presence, per TCP connection and independent of sessions: engines report each connection's acceptance, its
    /// DISCONNECT and its end; this publishes the connect, disconnect and tcpclean events (QoS 1, on
    /// <see cref="PresenceTopic"/>) and keeps the live connections for status queries. Thread-safe.
    /// </summary>
    public sealed class PresenceTracker
    {
        const int EventQos = 1;

        /// <summary>
        /// Held while a report updates the table and publishes its event, so events leave the broker one at a time in
        /// the order they happened and every subscriber receives them in that order. Only routing runs under it, and
        /// routing never calls back into presence, so it cannot deadlock with the session locks.
        /// </summary>
        readonly object _sync = new object();
        readonly LiveConnectionTable _live = new LiveConnectionTable();
        readonly Router _router;

        internal PresenceTracker(Router router)
        {
            _router = router;
        }

        /// <summary>Told each event after it is published (null: nobody listens, as on the device).</summary>
        public PresenceEventHandler EventPublished { get; set; }

        /// <summary><paramref name="connection"/>'s CONNECT for <paramref name="clientId"/> was accepted; publishes
        /// connect. Reporting the same connection again changes nothing.</summary>
        public void ConnectionAccepted(string clientId, IClientConnection connection)
        {
            lock (_sync)
            {
                if (_live.Find(clientId, connection) != null)
                {
                    return;
                }

                LiveConnection live = new LiveConnection(clientId, connection, Clock.NowMs());
                _live.Add(live);
                Publish(live, PresenceEventType.Connect, live.ConnectedAtUnixMilliseconds);
            }
        }

        /// <summary>The client sent DISCONNECT on <paramref name="connection"/>; publishes disconnect, once. Ignored
        /// for a connection that was never accepted or has closed.</summary>
        public void DisconnectReceived(string clientId, IClientConnection connection)
        {
            lock (_sync)
            {
                LiveConnection live = _live.Find(clientId, connection);
                if (live == null || live.DisconnectReported)
                {
                    return;
                }

                live.DisconnectReported = true;
                Publish(live, PresenceEventType.Disconnect, EventTime(live));
            }
        }

        /// <summary><paramref name="connection"/> closed, for whatever reason; publishes tcpclean and forgets it. Safe
        /// to report more than once, and for connections that were never accepted (ignored).</summary>
        public void ConnectionClosed(string clientId, IClientConnection connection)
        {
            lock (_sync)
            {
                LiveConnection live = _live.Find(clientId, connection);
                if (live == null)
                {
                    return;
                }

                _live.Remove(live);
                Publish(live, PresenceEventType.TcpClean, EventTime(live));
            }
        }

        /// <summary>Live TCP connections of <paramref name="clientId"/>: 0 when offline, 2 while a takeover is under way.</summary>
        public int ConnectionCount(string clientId)
        {
            lock (_sync)
            {
                return _live.CountOf(clientId);
            }
        }

        /// <summary>A copy of the live connections (<see cref="LiveConnection"/>), oldest first.</summary>
        public ArrayList Snapshot()
        {
            ArrayList copy = new ArrayList();
            lock (_sync)
            {
                _live.CopyTo(copy);
            }

            return copy;
        }

        /// <summary>Now, but never earlier than the connection's connect event: the clock may be stepped back (a device
        /// setting its time from the network), and applications order one channel's events by time.</summary>
        static long EventTime(LiveConnection live)
        {
            long now = Clock.NowMs();
            return now > live.ConnectedAtUnixMilliseconds ? now : live.ConnectedAtUnixMilliseconds;
        }

        void Publish(LiveConnection live, string eventType, long unixMilliseconds)
        {
            string json = PresenceEventJson.Build(live.ClientId, unixMilliseconds, eventType, live.ChannelId, live.ClientAddress);
            string topic = PresenceTopic.For(ClientIdentity.GroupOf(live.ClientId), eventType);
            _router.PublishFromBroker(new RoutedMessage(topic, Utf8.GetBytes(json), EventQos, false));
            PresenceEventHandler observer = EventPublished;
            if (observer != null)
            {
                observer(ClientIdentity.GroupOf(live.ClientId), json);
            }
        }
    }
}
