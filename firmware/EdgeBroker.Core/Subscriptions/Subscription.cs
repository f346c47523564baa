using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Subscriptions
{
    /// <summary>One topic filter held by one session, with the options its SUBSCRIBE granted.</summary>
    internal sealed class Subscription
    {
        public Subscription(Session session, string filter, int grantedQos)
        {
            Session = session;
            Filter = filter;
            GrantedQos = grantedQos;
        }

        public Session Session { get; private set; }

        public string Filter { get; private set; }

        public int GrantedQos { get; set; }

        /// <summary>MQTT 5: do not send the subscriber its own publications.</summary>
        public bool NoLocal { get; set; }

        /// <summary>MQTT 5: keep the publisher's retain flag instead of clearing it.</summary>
        public bool RetainAsPublished { get; set; }

        /// <summary>MQTT 5 subscription identifier; 0 when the SUBSCRIBE carried none.</summary>
        public int Identifier { get; set; }
    }
}
