using System.Collections;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The room <see cref="FlashSessionStore"/> holds for new persistent sessions whose CONNECTs are under way (admitted,
    /// not yet connected or refused), by client ID: counted with the sessions kept against their share of the log, so
    /// CONNECTs admitted at the same moment cannot each take its last room. A handful at most (one per connection being
    /// accepted). Callers hold the store's lock.
    /// </summary>
    internal sealed class ReservedSessionRooms
    {
        readonly ArrayList _clientIds = new ArrayList();
        readonly ArrayList _bytes = new ArrayList();
        int _totalBytes;

        /// <summary>The room held for all of them.</summary>
        public int TotalBytes
        {
            get { return _totalBytes; }
        }

        public bool Holds(string clientId)
        {
            return _clientIds.IndexOf(clientId) >= 0;
        }

        /// <summary>What is held for <paramref name="clientId"/>; 0 when nothing is.</summary>
        public int BytesOf(string clientId)
        {
            int index = _clientIds.IndexOf(clientId);
            return index < 0 ? 0 : (int)_bytes[index];
        }

        public void Add(string clientId, int bytes)
        {
            _clientIds.Add(clientId);
            _bytes.Add(bytes);
            _totalBytes += bytes;
        }

        /// <summary>Gives back what is held for <paramref name="clientId"/>, if anything.</summary>
        public void Remove(string clientId)
        {
            int index = _clientIds.IndexOf(clientId);
            if (index < 0)
            {
                return;
            }

            _totalBytes -= (int)_bytes[index];
            _clientIds.RemoveAt(index);
            _bytes.RemoveAt(index);
        }
    }
}
