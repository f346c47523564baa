using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The dedupe ids a broker acting as upstream has accepted lately, per sender: a resend of one of them (a gateway
    /// that crashed before it saw the PUBACK) is acknowledged and dropped, so it is delivered once. Bounded: the oldest
    /// ids are forgotten first, and a gateway resends only its in-flight window and the entries whose acknowledgement it
    /// had not yet recorded, so a window of some thousands covers every realistic resend. Thread-safe.
    /// </summary>
    public sealed class DedupeWindow
    {
        readonly object _sync = new object();
        readonly StringMap _seen;
        readonly string[] _order;
        int _next;

        public DedupeWindow(int capacity)
        {
            _order = new string[capacity < 1 ? 1 : capacity];
            _seen = new StringMap(_order.Length);
        }

        public int Capacity
        {
            get { return _order.Length; }
        }

        /// <summary>Set by an engine that keeps accepted ids durably, to reload them after a restart.</summary>
        public DedupeAccepted Accepted { get; set; }

        /// <summary>Whether <paramref name="dedupeId"/> from <paramref name="sender"/> was accepted already.</summary>
        public bool Contains(string sender, string dedupeId)
        {
            lock (_sync)
            {
                return _seen.Get(Key(sender, dedupeId)) != null;
            }
        }

        /// <summary>Remembers an accepted id, forgetting the oldest one when the window is full, and reports it to
        /// <see cref="Accepted"/>.</summary>
        public void Add(string sender, string dedupeId)
        {
            if (Remember(sender, dedupeId))
            {
                DedupeAccepted accepted = Accepted;
                if (accepted != null)
                {
                    accepted(sender, dedupeId);
                }
            }
        }

        /// <summary>Remembers an id without reporting it: for ids reloaded from an engine's durable log. Returns false
        /// when it was known already.</summary>
        public bool Remember(string sender, string dedupeId)
        {
            string key = Key(sender, dedupeId);
            lock (_sync)
            {
                if (_seen.Get(key) != null)
                {
                    return false;
                }

                string evicted = _order[_next];
                if (evicted != null)
                {
                    _seen.Remove(evicted);
                }

                _order[_next] = key;
                _seen.Set(key, key);
                _next = (_next + 1) % _order.Length;
                return true;
            }
        }

        /// <summary>Sender and id as one key, joined by U+0000, which MQTT strings may not contain [MQTT-1.5.3-2].</summary>
        static string Key(string sender, string dedupeId)
        {
            return sender + "\u0000" + dedupeId;
        }
    }

    /// <summary>A dedupe id was accepted (see <see cref="DedupeWindow.Accepted"/>).</summary>
    public delegate void DedupeAccepted(string sender, string dedupeId);
}
