namespace EdgeBroker.Core.Topics
{
    /// <summary>
    /// Validates topic names (used in PUBLISH) and topic filters (used in SUBSCRIBE) against the rules that
    /// MQTT 3.1.1 §4.7 and MQTT 5.0 §4.7 share. Works on the string in place: no allocation, so it is cheap
    /// enough to run on every packet on the device.
    /// </summary>
    public static class TopicValidator
    {
        /// <summary>Topic names and filters are UTF-8 strings with a 16-bit length prefix (§1.5.3 / §1.5.4).</summary>
        public const int MaxUtf8Length = 65535;

        public static bool IsValidTopicName(string topic)
        {
            if (!IsWellFormedString(topic))
            {
                return false;
            }

            for (int i = 0; i < topic.Length; i++)
            {
                char c = topic[i];
                if (c == '+' || c == '#')
                {
                    // [MQTT-3.3.2-2] wildcards must not appear in a topic name.
                    return false;
                }
            }

            return true;
        }

        public static bool IsValidTopicFilter(string filter)
        {
            if (!IsWellFormedString(filter))
            {
                return false;
            }

            int length = filter.Length;
            for (int i = 0; i < length; i++)
            {
                char c = filter[i];
                if (c == '#')
                {
                    // [MQTT-4.7.1-2] '#' stands alone as the last level.
                    bool alone = (i == 0 || filter[i - 1] == '/') && i == length - 1;
                    if (!alone)
                    {
                        return false;
                    }
                }
                else if (c == '+')
                {
                    // [MQTT-4.7.1-3] '+' occupies an entire level.
                    bool startsLevel = i == 0 || filter[i - 1] == '/';
                    bool endsLevel = i == length - 1 || filter[i + 1] == '/';
                    if (!startsLevel || !endsLevel)
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        /// <summary>True for topics the broker reserves for itself, such as <c>$SYS/…</c> (§4.7.2).</summary>
        public static bool IsReserved(string topicOrFilter)
        {
            return topicOrFilter.Length > 0 && topicOrFilter[0] == '$';
        }

        /// <summary>
        /// Non-empty, no U+0000 ([MQTT-4.7.3-1], [MQTT-4.7.3-2]), no unpaired surrogate (not well-formed UTF-8,
        /// [MQTT-1.5.3-1]), and at most 65,535 bytes once UTF-8 encoded ([MQTT-4.7.3-3]).
        /// </summary>
        static bool IsWellFormedString(string value)
        {
            if (value == null || value.Length == 0 || value.Length > MaxUtf8Length)
            {
                return false;
            }

            int utf8Length = 0;
            int length = value.Length;
            for (int i = 0; i < length; i++)
            {
                char c = value[i];
                if (c == '\0')
                {
                    return false;
                }

                if (c < 0x80)
                {
                    utf8Length += 1;
                }
                else if (c < 0x800)
                {
                    utf8Length += 2;
                }
                else if (c >= 0xD800 && c <= 0xDBFF)
                {
                    if (i + 1 >= length || value[i + 1] < 0xDC00 || value[i + 1] > 0xDFFF)
                    {
                        return false;
                    }

                    utf8Length += 4;
                    i++;
                }
                else if (c >= 0xDC00 && c <= 0xDFFF)
                {
                    return false;
                }
                else
                {
                    utf8Length += 3;
                }
            }

            return utf8Length <= MaxUtf8Length;
        }
    }
}
