using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Sessions;

namespace EdgeBroker.Core.Presence
{
    /// <summary>
    /// The live connections, by client ID and in the order they were accepted (so listings page stably). A client ID
    /// has more than one only while a takeover is under way: they are chained from the first through
    /// <see cref="LiveConnection.NextOfClient"/> rather than held in a list per client, which would cost every
    /// connected client a list it almost never needs. Not thread-safe: <see cref="PresenceTracker"/> locks.
    /// </summary>
    internal sealed class LiveConnectionTable
    {
        /// <summary>Client ID → its first <see cref="LiveConnection"/>.</summary>
        readonly StringMap _byClientId = new StringMap(16);
        readonly ArrayList _inAcceptOrder = new ArrayList();

        public LiveConnection Find(string clientId, IClientConnection connection)
        {
            LiveConnection live = (LiveConnection)_byClientId.Get(clientId);
            while (live != null && live.Connection != connection)
            {
                live = live.NextOfClient;
            }

            return live;
        }

        public void Add(LiveConnection live)
        {
            LiveConnection first = (LiveConnection)_byClientId.Get(live.ClientId);
            if (first == null)
            {
                _byClientId.Set(live.ClientId, live);
            }
            else
            {
                while (first.NextOfClient != null)
                {
                    first = first.NextOfClient;
                }

                first.NextOfClient = live;
            }

            _inAcceptOrder.Add(live);
        }

        public void Remove(LiveConnection live)
        {
            LiveConnection first = (LiveConnection)_byClientId.Get(live.ClientId);
            if (first == live)
            {
                if (live.NextOfClient == null)
                {
                    _byClientId.Remove(live.ClientId);
                }
                else
                {
                    _byClientId.Set(live.ClientId, live.NextOfClient);
                }
            }
            else
            {
                while (first.NextOfClient != live)
                {
                    first = first.NextOfClient;
                }

                first.NextOfClient = live.NextOfClient;
            }

            live.NextOfClient = null;
            _inAcceptOrder.Remove(live);
        }

        public int CountOf(string clientId)
        {
            int count = 0;
            for (LiveConnection live = (LiveConnection)_byClientId.Get(clientId); live != null; live = live.NextOfClient)
            {
                count++;
            }

            return count;
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
