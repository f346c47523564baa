namespace EdgeBroker.Core.Topics
{
    /// <summary>
    /// Matches one topic name against one topic filter (MQTT §4.7) without splitting either string.
    /// The subscription index uses a tree for the general case; this is the reference rule it is tested against,
    /// and what small callers (ACL rules, the device relay) use directly.
    /// </summary>
    public static class TopicMatcher
    {
        public static bool Matches(string filter, string topic)
        {
            return Matches(filter, topic, topic.Length);
        }

        /// <summary>Matches <paramref name="filter"/> against the first <paramref name="topicLength"/> characters of
        /// <paramref name="topic"/>: the parent topic of a P2P address, checked without allocating a substring.</summary>
        public static bool Matches(string filter, string topic, int topicLength)
        {
            int filterLength = filter.Length;
            if (filterLength == 0 || topicLength == 0)
            {
                return false;
            }

            // [MQTT-4.7.2-1] a filter starting with a wildcard does not match topics starting with '$'.
            if (topic[0] == '$' && (filter[0] == '+' || filter[0] == '#'))
            {
                return false;
            }

            int f = 0;
            int t = 0;
            while (true)
            {
                char c = filter[f];
                if (c == '#')
                {
                    return true;
                }

                if (c == '+')
                {
                    while (t < topicLength && topic[t] != '/')
                    {
                        t++;
                    }

                    f++;
                }
                else
                {
                    while (f < filterLength && filter[f] != '/')
                    {
                        if (t >= topicLength || topic[t] != filter[f])
                        {
                            return false;
                        }

                        f++;
                        t++;
                    }

                    if (t < topicLength && topic[t] != '/')
                    {
                        return false;
                    }
                }

                // Both now stand at a level separator or at their end.
                if (f == filterLength)
                {
                    return t == topicLength;
                }

                f++;
                if (t == topicLength)
                {
                    // "sport/#" also matches "sport": '#' includes the parent level [MQTT-4.7.1-2].
                    return f == filterLength - 1 && filter[f] == '#';
                }

                t++;
                if (f == filterLength)
                {
                    // The filter ended with '/': its last level is empty, so the topic's must be too.
                    return t == topicLength;
                }
            }
        }
    }
}
