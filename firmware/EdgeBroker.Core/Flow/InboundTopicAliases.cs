namespace EdgeBroker.Core.Flow
{
    /// <summary>
    /// The topic aliases one MQTT 5 client has defined towards the broker on its current connection (MQTT 5 §3.3.2.3.4):
    /// a PUBLISH with a topic and an alias (re)defines the alias, one with an alias and an empty topic uses it. They
    /// last only as long as the network connection, so the engine keeps one table per connection. Not thread-safe: a
    /// connection's packets are read one at a time.
    /// </summary>
    public sealed class InboundTopicAliases
    {
        readonly int _maximum;
        string[] _topics;

        /// <param name="maximum">The Topic Alias Maximum the broker announced to this client.</param>
        public InboundTopicAliases(int maximum)
        {
            _maximum = maximum;
        }

        /// <summary>
        /// The topic a PUBLISH is about: <paramref name="topic"/> itself (remembered under <paramref name="alias"/> when
        /// there is one), or the topic defined earlier for <paramref name="alias"/> when <paramref name="topic"/> is empty.
        /// <paramref name="alias"/> is -1 when the PUBLISH has no Topic Alias property. Returns null and sets
        /// <paramref name="reason"/> (<see cref="FlowReasons"/>) when the connection must be closed: an alias of 0 or
        /// above the maximum (0x94), an empty topic with an undefined alias (0x82).
        /// </summary>
        public string Resolve(string topic, int alias, out int reason)
        {
            reason = FlowReasons.Accepted;
            if (alias < 0)
            {
                return topic;
            }

            if (alias == 0 || alias > _maximum)
            {
                reason = FlowReasons.TopicAliasInvalid;
                return null;
            }

            if (_topics == null)
            {
                _topics = new string[_maximum + 1];
            }

            if (topic.Length > 0)
            {
                _topics[alias] = topic;
                return topic;
            }

            string known = _topics[alias];
            if (known == null)
            {
                reason = FlowReasons.ProtocolError;
            }

            return known;
        }
    }
}
