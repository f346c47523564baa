using System.Collections;
using EdgeBroker.Core.Subscriptions;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// What the subscription tree matched for one PUBLISH's topic (<see cref="BrokerCore.MatchSubscribers"/>): the
    /// connections of the live sessions among them, whose readers an engine lets catch up before it publishes
    /// (<see cref="ReaderProgress"/>), and the match itself, which the engine hands back to
    /// <see cref="BrokerCore.Publish(string, RoutedMessage, SubscriberMatch)"/> when it did not have to wait, so a
    /// PUBLISH matches the tree once. After a wait the subscriptions may have changed: the engine publishes without it.
    /// </summary>
    public sealed class SubscriberMatch
    {
        readonly MatchSet _matches;
        readonly ArrayList _connections;

        internal SubscriberMatch(MatchSet matches, ArrayList connections)
        {
            _matches = matches;
            _connections = connections;
        }

        /// <summary>The connections of the matching live sessions (every member of a share group), each once; null
        /// when there are none.</summary>
        public ArrayList Connections
        {
            get { return _connections; }
        }

        internal MatchSet Matches
        {
            get { return _matches; }
        }
    }
}
