namespace EdgeBroker.Core.Access
{
    /// <summary>Everything is allowed except what the broker reserves for itself: clients cannot publish to
    /// <c>$</c> topics, so presence events on <c>$SYS/…</c> cannot be forged. The default until credentials and
    /// rules are configured.</summary>
    public sealed class AllowAllPolicy : IAccessPolicy
    {
        public bool CanPublish(string clientId, string topic, int p2pReceiverStart)
        {
            return !Topics.TopicValidator.IsReserved(topic);
        }

        public bool CanSubscribe(string clientId, string filter)
        {
            return true;
        }
    }
}
