using System.Collections;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>The uplinks of one broker. The router offers every accepted PUBLISH to all of them, in one place for
    /// both engines. Add uplinks before the broker accepts connections.</summary>
    public sealed class UplinkSet
    {
        readonly ArrayList _uplinks = new ArrayList();

        public void Add(Uplink uplink)
        {
            _uplinks.Add(uplink);
        }

        public int Count
        {
            get { return _uplinks.Count; }
        }

        public Uplink At(int index)
        {
            return (Uplink)_uplinks[index];
        }

        /// <summary>The uplink called <paramref name="name"/>, or null.</summary>
        public Uplink Find(string name)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                Uplink uplink = (Uplink)_uplinks[i];
                if (uplink.Name == name)
                {
                    return uplink;
                }
            }

            return null;
        }

        /// <summary>Offers <paramref name="message"/> to every uplink. The result is the worst outcome: a refusal
        /// (<see cref="UplinkOfferOutcome.Full"/>, <see cref="UplinkOfferOutcome.StoreFailed"/>) means the publisher
        /// must not be acknowledged as accepted; <see cref="UplinkOfferOutcome.Queued"/> that at least one took it.</summary>
        public UplinkOfferOutcome Offer(RoutedMessage message, long nowMs)
        {
            UplinkOfferOutcome result = UplinkOfferOutcome.NotForwarded;
            for (int i = 0; i < _uplinks.Count; i++)
            {
                UplinkOfferOutcome outcome = ((Uplink)_uplinks[i]).Offer(message, nowMs);
                if (outcome == UplinkOfferOutcome.StoreFailed || outcome == UplinkOfferOutcome.Full)
                {
                    if (result != UplinkOfferOutcome.StoreFailed)
                    {
                        result = outcome;
                    }
                }
                else if (outcome == UplinkOfferOutcome.Queued && result == UplinkOfferOutcome.NotForwarded)
                {
                    result = outcome;
                }
            }

            return result;
        }
    }
}
