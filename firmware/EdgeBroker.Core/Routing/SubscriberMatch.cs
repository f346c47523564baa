using System.Collections;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// What the subscription tree matched for one PUBLISH's topic (<see cref="BrokerCore.MatchSubscribers"/>): the
    /// connections of the live sessions among them, whose readers an engine lets catch up before it publishes
    /// (<see cref="ReaderProgress"/>), and the match itself, which the engine hands back to
    /// <see cref="BrokerCore.Publish(string, RoutedMessage, SubscriberMatch)"/> when it did not have to wait, so a
    /// PUBLISH matches the tree once. After a wait the subscriptions may have changed: the engine publishes without it.
    /// <para>
    /// An engine that matches often may have the core fill the same match again for its next PUBLISH
    /// (<see cref="BrokerCore.MatchSubscribers(string, SubscriberMatch)"/>) once nothing uses it any more, so a match
    /// costs no allocation in steady state (the host keeps one per thread).
    /// </para>
    /// </summary>
    public sealed class SubscriberMatch
    {
        readonly MatchSet _matches;

        /// <summary>The connections, made at the first live one and kept for the match's next filling.</summary>
        ArrayList _connections;

        internal SubscriberMatch(MatchSet matches)
        {
            _matches = matches;
        }

        /// <summary>The connections of the matching live sessions (every member of a share group), each once; null
        /// when there are none.</summary>
        public ArrayList Connections
        {
            get { return _connections == null || _connections.Count == 0 ? null : _connections; }
        }

        /// <summary>Adds <paramref name="connection"/> unless it is there already.</summary>
        internal void AddConnection(IClientConnection connection)
        {
            if (_connections == null)
            {
                _connections = new ArrayList();
            }
            else if (_connections.Contains(connection))
            {
                return;
            }

            _connections.Add(connection);
        }

        /// <summary>Empties the match for its next filling.</summary>
        internal void Clear()
        {
            _matches.Clear();
            if (_connections != null)
            {
                _connections.Clear();
            }
        }

        internal MatchSet Matches
        {
            get { return _matches; }
        }
    }
}
