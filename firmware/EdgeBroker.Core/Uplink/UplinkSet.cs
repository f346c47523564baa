using System.Collections;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>The uplinks of one broker. The router offers every accepted PUBLISH to all of them, in one place for
    /// both engines. Add uplinks before the broker accepts connections.</summary>
    internal sealed class UplinkSet
    {
        readonly ArrayList _uplinks = new ArrayList();

        /// <summary>Who this broker can deliver to, handed to every uplink for its P2P announcements; set by the
        /// core.</summary>
        public ReachableClients Reachable { get; set; }

        /// <summary>Told when an uplink learns that a client is connected on another gateway of its upstream; set by the
        /// core.</summary>
        public ClientConnectedElsewhere ConnectedElsewhere { get; set; }

        public void Add(Uplink uplink)
        {
            uplink.Reachable = Reachable;
            uplink.ConnectedElsewhere = ConnectedElsewhere;
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

        /// <summary>Offers a P2P message for a client neither here nor below to the uplinks with P2P federation on
        /// (<see cref="Uplink.OfferP2P"/>); the first that takes it or refuses it decides.</summary>
        public UplinkOfferOutcome OfferP2P(RoutedMessage message, long nowMs)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                UplinkOfferOutcome outcome = ((Uplink)_uplinks[i]).OfferP2P(message, nowMs);
                if (outcome != UplinkOfferOutcome.NotForwarded)
                {
                    return outcome;
                }
            }

            return UplinkOfferOutcome.NotForwarded;
        }

        /// <summary>The gateway on an uplink's upstream whose retained routes name <paramref name="clientId"/>
        /// (<see cref="Uplink.PeerGatewayOf"/>), or null.</summary>
        public string PeerGatewayOf(string clientId)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                string gateway = ((Uplink)_uplinks[i]).PeerGatewayOf(clientId);
                if (gateway != null)
                {
                    return gateway;
                }
            }

            return null;
        }

        /// <summary>Whether an uplink can take a P2P message up to the client ID <paramref name="text"/>[start,
        /// start+length) connected on another gateway (<see cref="Uplink.ReachesElsewhere"/>).</summary>
        public bool ReachesElsewhere(string text, int start, int length)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                if (((Uplink)_uplinks[i]).ReachesElsewhere(text, start, length))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether another gateway's retained route on an uplink's upstream says <paramref name="clientId"/> is
        /// connected there (<see cref="Uplink.PeerHasConnected"/>).</summary>
        public bool PeerHasConnected(string clientId)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                if (((Uplink)_uplinks[i]).PeerHasConnected(clientId))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether any uplink federates P2P (<see cref="UplinkSettings.P2P"/>).</summary>
        public bool FederatesP2P
        {
            get
            {
                for (int i = 0; i < _uplinks.Count; i++)
                {
                    if (((Uplink)_uplinks[i]).Settings.P2P)
                    {
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>Whether a level of <paramref name="path"/> (gateway client IDs, <c>/</c>-separated) is the client ID
        /// of one of this broker's federated uplinks: a route along it would lead back up through this broker.</summary>
        public bool IsOwnIdentityIn(string path)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                UplinkSettings settings = ((Uplink)_uplinks[i]).Settings;
                if (settings.P2P && SeparatedList.IndexOf(path, '/', settings.ClientId) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Tells every federated uplink that <paramref name="clientId"/> is reachable here along
        /// <paramref name="route"/> (<see cref="P2PEnvelope.RouteOf"/>), or not (null).</summary>
        public void Announce(string clientId, string route)
        {
            for (int i = 0; i < _uplinks.Count; i++)
            {
                ((Uplink)_uplinks[i]).Announce(clientId, route);
            }
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
