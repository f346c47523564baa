namespace EdgeBroker.Core.Sessions
{
    /// <summary>A persistent session's subscription as it is stored.</summary>
    public sealed class SubscriptionRecord
    {
        public SubscriptionRecord(string filter, int grantedQos, bool noLocal, bool retainAsPublished, int identifier)
        {
            Filter = filter;
            GrantedQos = grantedQos;
            NoLocal = noLocal;
            RetainAsPublished = retainAsPublished;
            Identifier = identifier;
        }

        public string Filter { get; private set; }

        public int GrantedQos { get; private set; }

        public bool NoLocal { get; private set; }

        public bool RetainAsPublished { get; private set; }

        public int Identifier { get; private set; }
    }
}
