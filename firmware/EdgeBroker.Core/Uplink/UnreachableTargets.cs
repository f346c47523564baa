using System.Collections;
using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The negative route cache of P2P federation (docs/federation.md): client IDs an upstream said are unknown
    /// everywhere (its unreachable notice), each kept for <see cref="TtlMs"/>, so a P2P message for one of them is answered
    /// here at once (MQTT 5 PUBACK 0x10) instead of going up only to be dropped at the top. At most
    /// <see cref="Capacity"/> entries: a further one takes the place of the entry nearest its expiry. An entry is forgotten
    /// as soon as its client becomes reachable here (a session of it, a route to it from below). Times are on the
    /// interval clock (<see cref="Clock.MonotonicMs"/>). Thread-safe.
    /// </summary>
    public sealed class UnreachableTargets
    {
        /// <summary>The default of <see cref="TtlMs"/>: 30 s.</summary>
        public const int DefaultTtlSeconds = 30;

        /// <summary>The default of <see cref="Capacity"/> (the host's; the firmware keeps fewer).</summary>
        public const int DefaultCapacity = 1000;

        readonly object _sync = new object();
        readonly StringMap _expiryByClient = new StringMap(8);
        long _ttlMs = DefaultTtlSeconds * 1000L;
        int _capacity = DefaultCapacity;

        /// <summary>How long a target stays known as unknown after a notice.</summary>
        public long TtlMs
        {
            get { return _ttlMs; }
            set { _ttlMs = value; }
        }

        /// <summary>Targets kept at most; 0 keeps none (every message goes up).</summary>
        public int Capacity
        {
            get { return _capacity; }
            set { _capacity = value; }
        }

        public int Count
        {
            get
            {
                lock (_sync)
                {
                    return _expiryByClient.Count;
                }
            }
        }

        /// <summary>An upstream said <paramref name="clientId"/> is unknown everywhere, at <paramref name="nowMs"/>.</summary>
        public void Add(string clientId, long nowMs)
        {
            lock (_sync)
            {
                if (_capacity <= 0)
                {
                    return;
                }

                if (_expiryByClient.Get(clientId) == null && _expiryByClient.Count >= _capacity)
                {
                    RemoveNearestExpiry();
                }

                _expiryByClient.Set(clientId, new Expiry(nowMs + _ttlMs));
            }
        }

        /// <summary>Whether the client ID <paramref name="text"/>[start, start+length) is known as unknown at
        /// <paramref name="nowMs"/>; an expired entry is forgotten. Allocates nothing.</summary>
        public bool Contains(string text, int start, int length, long nowMs)
        {
            lock (_sync)
            {
                if (_expiryByClient.Count == 0)
                {
                    return false;
                }

                Expiry expiry = (Expiry)_expiryByClient.Get(text, start, length);
                if (expiry == null)
                {
                    return false;
                }

                if (nowMs < expiry.AtMs)
                {
                    return true;
                }

                _expiryByClient.Remove(text.Substring(start, length));
                return false;
            }
        }

        /// <summary><paramref name="clientId"/> became reachable: messages for it go their way again.</summary>
        public void Forget(string clientId)
        {
            lock (_sync)
            {
                if (_expiryByClient.Count > 0)
                {
                    _expiryByClient.Remove(clientId);
                }
            }
        }

        /// <summary>Makes room for one entry. Called under the lock, with the table full.</summary>
        void RemoveNearestExpiry()
        {
            ArrayList clientIds = new ArrayList();
            ArrayList expiries = new ArrayList();
            _expiryByClient.CopyKeysTo(clientIds);
            _expiryByClient.CopyValuesTo(expiries);
            int nearest = 0;
            for (int i = 1; i < expiries.Count; i++)
            {
                if (((Expiry)expiries[i]).AtMs < ((Expiry)expiries[nearest]).AtMs)
                {
                    nearest = i;
                }
            }

            _expiryByClient.Remove((string)clientIds[nearest]);
        }

        /// <summary>When an entry expires (a class: the table holds objects, and boxing a long on the device costs the
        /// same).</summary>
        sealed class Expiry
        {
            public Expiry(long atMs)
            {
                AtMs = atMs;
            }

            public long AtMs { get; private set; }
        }
    }
}
