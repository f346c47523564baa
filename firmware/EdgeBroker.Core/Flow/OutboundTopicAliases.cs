using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Flow
{
    /// <summary>
    /// The topic aliases the broker uses towards one MQTT 5 client on its current connection, within the Topic Alias
    /// Maximum the client announced in its CONNECT (MQTT 5 §3.1.2.11.5; 0 = none) and the broker's own cap
    /// (<see cref="FlowLimits.OutboundTopicAliasesFor"/>). The first topics sent of at most
    /// <see cref="MaxAliasedTopicLength"/> characters get aliases 1, 2, … in order; once all are taken, further topics go
    /// out in full (no alias is ever re-pointed, so a topic's alias stays valid for the whole connection), as do longer
    /// topics always. So a connection keeps at most the maximum × <see cref="MaxAliasedTopicLength"/> characters of
    /// topics for its aliases, whatever its client allows. Not thread-safe: the engine calls it in the order it writes
    /// PUBLISHes, under its connection's lock.
    /// </summary>
    public sealed class OutboundTopicAliases
    {
        /// <summary>The longest topic given an alias: longer than any ordinary device topic (AWS IoT Core refuses
        /// topics above 256 bytes), short enough that ten aliases keep at most 5 KB per connection.</summary>
        public const int MaxAliasedTopicLength = 256;

        readonly int _maximum;
        StringMap _aliases;
        int _lastAssigned;

        /// <param name="maximum">The aliases to use (<see cref="FlowLimits.OutboundTopicAliasesFor"/>); 0 disables them.</param>
        public OutboundTopicAliases(int maximum)
        {
            _maximum = maximum;
        }

        /// <summary>The alias the client already knows for <paramref name="topic"/>, so the PUBLISH can carry it with an
        /// empty topic; 0 when there is none.</summary>
        public int Known(string topic)
        {
            if (_aliases == null)
            {
                return 0;
            }

            object alias = _aliases.Get(topic);
            return alias == null ? 0 : (int)alias;
        }

        /// <summary>A new alias for <paramref name="topic"/>, to send with the topic so the client learns it; 0 when no
        /// (more) aliases may be used, or the topic is longer than <see cref="MaxAliasedTopicLength"/>.</summary>
        public int Assign(string topic)
        {
            if (_lastAssigned >= _maximum || topic.Length > MaxAliasedTopicLength)
            {
                return 0;
            }

            if (_aliases == null)
            {
                _aliases = new StringMap(_maximum);
            }

            _lastAssigned++;
            _aliases.Set(topic, _lastAssigned);
            return _lastAssigned;
        }

        /// <summary>Takes back the alias just assigned to <paramref name="topic"/> because its PUBLISH was not sent after
        /// all (too large for the client), so the client never learned it.</summary>
        public void Unassign(string topic, int alias)
        {
            if (alias == _lastAssigned && _aliases != null && _aliases.Remove(topic))
            {
                _lastAssigned--;
            }
        }
    }
}
