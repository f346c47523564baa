using System.Collections;
using System.Threading;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// The broker-side state of one client ID: whether it outlives its connection, which connection is live
    /// (null while the client is away) and its subscriptions. Offline messages live in the offline store, keyed
    /// by client ID, so a device can keep them in flash rather than on the heap.
    /// </summary>
    internal sealed class Session
    {
        static int s_created;

        readonly int _number;
        ArrayList _subscriptions;

        public Session(string clientId)
        {
            ClientId = clientId;
            _number = Interlocked.Increment(ref s_created);
        }

        /// <summary>Unique per session object for the life of the process and never changing, so sets of sessions can
        /// hash it (object hash codes on nanoFramework follow the heap address and field values, which change).</summary>
        public int Number
        {
            get { return _number; }
        }

        public string ClientId { get; private set; }

        /// <summary>Held while the connection changes and while a message is delivered or queued, so that
        /// messages keep their order across a reconnect. The session itself: every client has one, and a lock object
        /// of its own would cost each of them its header.</summary>
        public object SyncRoot
        {
            get { return this; }
        }

        /// <summary>Survives the end of its connection (clean session = 0, or MQTT 5 session expiry &gt; 0).</summary>
        public bool IsPersistent { get; set; }

        /// <summary>Seconds the session lives on after its connection ends; 0xFFFFFFFF never expires.</summary>
        public uint ExpiryIntervalSeconds { get; set; }

        /// <summary>Taken by its last connection with credentials that prove the client ID (Signature, device secret):
        /// a client that chose the ID freely may not resume it. Not stored: a session restored after a restart is
        /// unmarked until its owner connects again.</summary>
        public bool HeldWithProvenId { get; set; }

        /// <summary>When the last connection ended (Unix ms), 0 while connected.</summary>
        public long DisconnectedAtMs { get; set; }

        public IClientConnection Connection { get; set; }

        public bool IsOnline
        {
            get { return Connection != null; }
        }

        /// <summary>The <see cref="Subscriptions.Subscription"/> entries this session holds in the index. Made when
        /// first asked for: a client that never subscribes (a sensor that only publishes) pays for no list.</summary>
        public ArrayList Subscriptions
        {
            get
            {
                if (_subscriptions == null)
                {
                    _subscriptions = new ArrayList();
                }

                return _subscriptions;
            }
        }

        /// <summary>The will of the current (or, while it waits out its delay, the last) connection; null when none.
        /// Guarded by SyncRoot.</summary>
        internal Routing.RoutedMessage Will;

        /// <summary>What <see cref="Will"/> counts in the core's budget of held wills (<see cref="WillBudget"/>), given
        /// back as it goes. Guarded by SyncRoot.</summary>
        internal int WillBytes;

        /// <summary>MQTT 5 Will Delay Interval of <see cref="Will"/>, seconds.</summary>
        internal uint WillDelaySeconds;

        /// <summary>When a will waiting out its delay is due, on the interval clock (<see cref="Clock.MonotonicMs"/>); 0
        /// while its connection lives.</summary>
        internal long WillDueMs;

        /// <summary>Written to the session store (so forgetting it must delete it there too).</summary>
        internal bool IsStored;

        /// <summary>Forgotten by the broker; a newer session object may serve the same client ID.</summary>
        internal bool IsDiscarded;

        /// <summary>Listed in the core's <see cref="DueSessions"/> (guarded by its lock, not by SyncRoot).</summary>
        internal bool IsDue;

        // Offline delivery state (see Offline.OfflineDelivery), guarded by SyncRoot.

        /// <summary>Highest stored message id handed to the current connection.</summary>
        internal long SentUpTo;

        /// <summary>Stored ids up to this may have reached an earlier connection: they are resent with DUP set.</summary>
        internal long RedeliveryBoundary;

        /// <summary>Stored messages not yet handed to the current connection: new ones queue behind them.</summary>
        internal bool BacklogPending;

        /// <summary>The batch in flight holds the stored ids above BatchAfterId up to BatchLastId; BatchUnacked of them
        /// wait for their acknowledgement (a late one for an earlier batch must not count against it).</summary>
        internal long BatchAfterId;
        internal long BatchLastId;
        internal int BatchUnacked;
        /// <summary>When the batch went, on the interval clock (<see cref="Clock.MonotonicMs"/>).</summary>
        internal long BatchSentAtMs;

        /// <summary>QoS 0 messages for this session while it is away: kept in memory only (QoS 0 promises no more). Each
        /// carries as its id the store's last issued id at the time it came (<see cref="Offline.IOfflineStore.LastIssuedId"/>),
        /// so it is sent after the stored messages that came before it and before those that came after it.</summary>
        internal ArrayList VolatileQueue;

        /// <summary>Shared-subscription messages sent to the current connection and not acknowledged yet
        /// (<see cref="Routing.SharedDelivery"/>); created on first use. Guarded by SyncRoot.</summary>
        internal ArrayList SharedInFlight;

        /// <summary>The last delivery tag given to a shared-subscription message (counting down from -1).</summary>
        internal long LastSharedTag;

        /// <summary>Handshakes open across connections (packet identifiers only): QoS 2 both ways, and deliveries an
        /// ended connection left unacknowledged; made at the first, let go when none is open. Guarded by SyncRoot.</summary>
        internal OpenExchanges Exchanges;
    }
}
