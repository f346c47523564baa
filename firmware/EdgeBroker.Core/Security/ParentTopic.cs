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

        /// <summary>
        /// The parent topic a token resource grants, or null when it grants something a parent topic cannot say. A
        /// resource is a parent topic (<c>Topic1</c>) or ApsaraMQ's <c>Topic1/#</c>, which is the same grant: an MQTT
        /// <c>#</c> matches its parent level too, so both cover <c>Topic1</c> and every topic below it
        /// (<see cref="TokenRecord.Covers"/>). <c>Topic1/+</c> and <c>Topic1/sub</c> grant less than <c>Topic1</c> and
        /// are refused rather than widened.
        /// </summary>
        public static string OfTokenResource(string resource)
        {
            int parentLength = resource == null ? 0 : resource.Length - 2;
            if (parentLength > 0 && resource[parentLength] == '/' && resource[parentLength + 1] == '#')
            {
                resource = resource.Substring(0, parentLength);
            }

            return IsValid(resource) ? resource : null;
        }
    }
}
