using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Presence
{
    /// <summary>
    /// The live connections, by client ID and in the order they were accepted (so listings page stably). A client ID
    /// has more than one only while a takeover is under way. Not thread-safe: <see cref="PresenceTracker"/> locks.
    /// </summary>
    internal sealed class LiveConnectionTable
    {
        /// <summary>Client ID → ArrayList of its <see cref="LiveConnection"/>s.</summary>
        readonly StringMap _byClientId = new StringMap(16);
        readonly ArrayList _inAcceptOrder = new ArrayList();

        public LiveConnection Find(string clientId, IClientConnection connection)
        {
            ArrayList ofClient = (ArrayList)_byClientId.Get(clientId);
            if (ofClient == null)
            {
                return null;
            }

            for (int i = 0; i < ofClient.Count; i++)
            {
                LiveConnection live = (LiveConnection)ofClient[i];
                if (live.Connection == connection)
                {
                    return live;
                }
            }

            return null;
        }

        public void Add(LiveConnection live)
        {
            ArrayList ofClient = (ArrayList)_byClientId.Get(live.ClientId);
            if (ofClient == null)
            {
                ofClient = new ArrayList();
                _byClientId.Set(live.ClientId, ofClient);
            }

            ofClient.Add(live);
            _inAcceptOrder.Add(live);
        }

        public void Remove(LiveConnection live)
        {
            ArrayList ofClient = (ArrayList)_byClientId.Get(live.ClientId);
            ofClient.Remove(live);
            if (ofClient.Count == 0)
            {
                _byClientId.Remove(live.ClientId);
            }

            _inAcceptOrder.Remove(live);
        }

        public int CountOf(string clientId)
        {
            ArrayList ofClient = (ArrayList)_byClientId.Get(clientId);
            return ofClient == null ? 0 : ofClient.Count;
        }

        /// <summary>Appends every live connection to <paramref name="target"/>, oldest first.</summary>
        public void CopyTo(ArrayList target)
        {
            for (int i = 0; i < _inAcceptOrder.Count; i++)
            {
                target.Add(_inAcceptOrder[i]);
            }
        }
    }
}
