using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Security
{
    /// <summary>A parent topic: the first level of a topic, the unit of token grants and pairing groups (the group
    /// ID is also the parent topic of its P2P addresses).</summary>
    public static class ParentTopic
    {
        /// <summary>Non-empty, one level (no <c>/</c>), no wildcards, not a broker-reserved <c>$</c> topic.</summary>
        public static bool IsValid(string parent)
        {
            if (parent == null || !TopicValidator.IsValidTopicName(parent) || TopicValidator.IsReserved(parent))
            {
                return false;
            }

            return parent.IndexOf('/') < 0;
        }
    }
}
