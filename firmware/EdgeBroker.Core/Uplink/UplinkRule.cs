using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// One topic mapping of an uplink. A forward rule takes local topics matching <see cref="Filter"/> upstream; a
    /// subscribe rule subscribes to <see cref="Filter"/> upstream and publishes what arrives locally. With a prefix pair
    /// the topic's leading <see cref="LocalPrefix"/> is swapped for <see cref="RemotePrefix"/> on the way up (and back on
    /// the way down); without one the topic keeps its name. A rule's filter must start with the prefix of its own side
    /// (<see cref="UplinkConfigCheck"/> says so at start-up), so every topic it matches is remapped the same way and the
    /// rule's image on the other side is again a filter.
    /// </summary>
    public sealed class UplinkRule
    {
        public UplinkRule(UplinkDirection direction, string filter, int qos, string localPrefix, string remotePrefix)
        {
            Direction = direction;
            Filter = filter;
            Qos = qos;
            LocalPrefix = localPrefix == null ? string.Empty : localPrefix;
            RemotePrefix = remotePrefix == null ? string.Empty : remotePrefix;
        }

        public static UplinkRule Forward(string localFilter, int qos)
        {
            return new UplinkRule(UplinkDirection.Forward, localFilter, qos, null, null);
        }

        public static UplinkRule Subscribe(string remoteFilter, int qos)
        {
            return new UplinkRule(UplinkDirection.Subscribe, remoteFilter, qos, null, null);
        }

        public UplinkDirection Direction { get; private set; }

        /// <summary>Local topic filter (forward) or remote topic filter (subscribe).</summary>
        public string Filter { get; private set; }

        /// <summary>Highest QoS used on the far side: a message travels at the lower of its own QoS and this one.</summary>
        public int Qos { get; private set; }

        public string LocalPrefix { get; private set; }

        public string RemotePrefix { get; private set; }

        /// <summary>How the rule is named in errors and logs: its direction, filter and remap.</summary>
        public string Describe()
        {
            string text = (Direction == UplinkDirection.Forward ? "forward " : "subscribe ") + Filter;
            if (IsRemapped)
            {
                text = text + " (local prefix '" + LocalPrefix + "', remote prefix '" + RemotePrefix + "')";
            }

            return text;
        }

        bool IsRemapped
        {
            get { return LocalPrefix.Length > 0 || RemotePrefix.Length > 0; }
        }

        /// <summary>The filter as seen on the local side: topics this rule reads (forward) or writes (subscribe).</summary>
        public string LocalFilter
        {
            get { return Direction == UplinkDirection.Forward ? Filter : Swap(Filter, RemotePrefix, LocalPrefix); }
        }

        /// <summary>The filter as seen upstream: topics this rule writes (forward) or subscribes to (subscribe).</summary>
        public string RemoteFilter
        {
            get { return Direction == UplinkDirection.Subscribe ? Filter : Swap(Filter, LocalPrefix, RemotePrefix); }
        }

        /// <summary>Whether the filter starts with the prefix of its own side, so the remap applies to every match.</summary>
        public bool FilterHasOwnPrefix
        {
            get
            {
                string own = Direction == UplinkDirection.Forward ? LocalPrefix : RemotePrefix;
                return Filter.Length >= own.Length && Filter.Substring(0, own.Length) == own;
            }
        }

        /// <summary>The remote topic for a local topic this forward rule matches, or null when it does not match.</summary>
        public string MapUp(string localTopic)
        {
            if (Direction != UplinkDirection.Forward || !TopicMatcher.Matches(Filter, localTopic))
            {
                return null;
            }

            return Swap(localTopic, LocalPrefix, RemotePrefix);
        }

        /// <summary>The local topic for a remote topic this subscribe rule matches, or null when it does not match.</summary>
        public string MapDown(string remoteTopic)
        {
            if (Direction != UplinkDirection.Subscribe || !TopicMatcher.Matches(Filter, remoteTopic))
            {
                return null;
            }

            return Swap(remoteTopic, RemotePrefix, LocalPrefix);
        }

        static string Swap(string text, string from, string to)
        {
            if (from.Length == 0 && to.Length == 0)
            {
                return text;
            }

            if (text.Length < from.Length || text.Substring(0, from.Length) != from)
            {
                return text;
            }

            return to + text.Substring(from.Length);
        }
    }
}
