namespace EdgeBroker.Core.Topics
{
    /// <summary>
    /// MQTT 5 shared subscriptions (§4.8.2): a filter <c>$share/{ShareName}/{filter}</c> makes its subscriber one member
    /// of the group named ShareName for <c>filter</c>; each matching message goes to one member of the group. The same
    /// form is accepted from MQTT 3.1.1 clients (as mosquitto does), so both engines share it.
    /// </summary>
    public static class SharedFilter
    {
        /// <summary>The prefix that marks a shared subscription.</summary>
        public const string Prefix = "$share/";

        /// <summary>True when <paramref name="filter"/> asks for a shared subscription, valid or not.</summary>
        public static bool IsShared(string filter)
        {
            if (filter.Length < Prefix.Length)
            {
                return false;
            }

            for (int i = 0; i < Prefix.Length; i++)
            {
                if (filter[i] != Prefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Where the topic filter starts inside a shared filter, or -1 when the share name is empty or holds
        /// <c>+</c> or <c>#</c> [MQTT-4.8.2-1], [MQTT-4.8.2-2], or no topic filter follows it.</summary>
        public static int FilterStart(string filter)
        {
            int start = Prefix.Length;
            for (int i = start; i < filter.Length; i++)
            {
                char c = filter[i];
                if (c == '/')
                {
                    return i == start || i == filter.Length - 1 ? -1 : i + 1;
                }

                if (c == '+' || c == '#')
                {
                    return -1;
                }
            }

            return -1;
        }

        /// <summary>A well-formed shared filter: a valid share name and a valid topic filter after it.</summary>
        public static bool IsValid(string filter)
        {
            int start = FilterStart(filter);
            return start > 0 && TopicValidator.IsValidTopicFilter(filter.Substring(start));
        }

        /// <summary>The filter a subscription matches topics with: the part after the share name for a shared one,
        /// else the filter itself.</summary>
        public static string TopicFilterOf(string filter)
        {
            return IsShared(filter) ? filter.Substring(FilterStart(filter)) : filter;
        }

        /// <summary>The share name of a valid shared filter.</summary>
        public static string ShareNameOf(string filter)
        {
            return filter.Substring(Prefix.Length, FilterStart(filter) - 1 - Prefix.Length);
        }
    }
}
