using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Presence
{
    /// <summary>
    /// Where presence events are published: <c>$SYS/presence/{groupId}/{eventType}</c>. A <c>$</c> topic, so <c>#</c>
    /// subscribers never see it and clients cannot publish to it; an application subscribes to
    /// <c>$SYS/presence/{groupId}/+</c> for one group or <c>$SYS/presence/#</c> for all.
    /// </summary>
    public static class PresenceTopic
    {
        public const string Prefix = "$SYS/presence/";

        public static string For(string groupId, string eventType)
        {
            return Prefix + GroupLevel(groupId) + "/" + eventType;
        }

        /// <summary>
        /// The group ID as one topic level. A client ID may contain '/', '+' and '#', which would split the level or
        /// make the topic name invalid, so those (and '%', to keep the mapping reversible) are percent-encoded:
        /// group <c>a/b</c> is published under <c>a%2Fb</c>. Ordinary group IDs are unchanged.
        /// </summary>
        public static string GroupLevel(string groupId)
        {
            return CharacterEscaping.Apply(groupId, PercentEncodingOf);
        }

        static string PercentEncodingOf(char c)
        {
            switch (c)
            {
                case '%':
                    return "%25";
                case '/':
                    return "%2F";
                case '+':
                    return "%2B";
                case '#':
                    return "%23";
                default:
                    return null;
            }
        }
    }
}
