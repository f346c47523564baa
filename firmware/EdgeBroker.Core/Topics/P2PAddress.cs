namespace EdgeBroker.Core.Topics
{
    /// <summary>
    /// Recognises point-to-point addresses: <c>{parentTopic}/p2p/{receiverClientId}</c>, exactly three levels.
    /// <para>
    /// Rules (the same on every engine, see docs/p2p.md): the parent level is non-empty and does not
    /// start with '$'; the middle level is the literal <c>p2p</c>; the receiver client ID is non-empty and is the
    /// whole rest of the topic, so it cannot contain '/'. Anything else — <c>a/b/p2p/x</c>, <c>a/p2p/</c>,
    /// <c>a/p2p/x/y</c>, <c>p2p/x</c>, <c>/p2p/x</c> — is an ordinary topic routed to subscribers, and
    /// <c>$SYS/p2p/x</c> is a reserved topic that clients may not publish to.
    /// </para>
    /// </summary>
    public static class P2PAddress
    {
        public const string Marker = "p2p";

        /// <summary>Index where the receiver client ID starts, or -1 when the topic is not a P2P address.</summary>
        public static int ReceiverStart(string topic)
        {
            int firstSlash = topic.IndexOf('/');
            if (firstSlash <= 0 || topic[0] == '$')
            {
                return -1;
            }

            int markerStart = firstSlash + 1;
            int receiverStart = markerStart + 4;
            if (topic.Length <= receiverStart
                || topic[markerStart] != 'p'
                || topic[markerStart + 1] != '2'
                || topic[markerStart + 2] != 'p'
                || topic[markerStart + 3] != '/')
            {
                return -1;
            }

            for (int i = receiverStart; i < topic.Length; i++)
            {
                if (topic[i] == '/')
                {
                    return -1;
                }
            }

            return receiverStart;
        }

        /// <summary>The parent topic (first level) of a P2P address, as used for access control.</summary>
        public static string ParentTopic(string topic, int receiverStart)
        {
            return topic.Substring(0, receiverStart - 5);
        }

        /// <summary>Whether <paramref name="clientId"/> can be the receiver of a P2P address: one topic level, without
        /// wildcards (MQTT allows any client ID; one with '/', '+' or '#' cannot be addressed, nor named in a topic).</summary>
        public static bool CanAddress(string clientId)
        {
            return clientId != null && clientId.Length > 0 && clientId.IndexOf('/') < 0 && TopicValidator.IsValidTopicName(clientId);
        }

        /// <summary>Builds the address that reaches <paramref name="receiverClientId"/>.</summary>
        public static string For(string parentTopic, string receiverClientId)
        {
            return parentTopic + "/" + Marker + "/" + receiverClientId;
        }
    }
}
