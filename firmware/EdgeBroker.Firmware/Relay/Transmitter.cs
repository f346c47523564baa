using System.Collections;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The one thread that writes to client sockets. Readers never block on a slow client: they queue bytes and
    /// schedule the connection here; this thread sends them. One writer for all clients instead of one per client
    /// keeps the device to a thread per connection (nanoFramework allocates every thread's frames on the managed heap).
    /// It never waits on a client that stops reading: such a connection is set aside and tried again every
    /// <see cref="RetryIntervalMs"/>, so the other clients' messages go out meanwhile.
    /// </summary>
    public sealed class Transmitter
    {
        /// <summary>How often connections whose client stopped reading are tried again.</summary>
        public const int RetryIntervalMs = 50;

        readonly object _sync = new object();
        readonly ArrayList _ready = new ArrayList();
        readonly ArrayList _stalled = new ArrayList();
        readonly Worker _worker;

        public Transmitter(IRelayLog log)
        {
            _worker = new Worker("transmitter", FlushReady, RetryIntervalMs, log);
        }

        /// <summary><paramref name="connection"/> has bytes queued.</summary>
        public void Schedule(RelayConnection connection)
        {
            lock (_sync)
            {
                if (connection.IsScheduled)
                {
                    return;
                }

                connection.IsScheduled = true;
                _ready.Add(connection);
            }

            _worker.Wake();
        }

        public void Start()
        {
            _worker.Start();
        }

        public void Stop()
        {
            _worker.Stop();
        }

        /// <summary>Sends everything queued for every scheduled connection (the thread's work; tests call it directly).</summary>
        public void FlushReady()
        {
            lock (_sync)
            {
                // Set aside last time (still marked scheduled): their turn again, once.
                for (int i = 0; i < _stalled.Count; i++)
                {
                    _ready.Add(_stalled[i]);
                }

                _stalled.Clear();
            }

            while (true)
            {
                RelayConnection next;
                lock (_sync)
                {
                    if (_ready.Count == 0)
                    {
                        return;
                    }

                    next = (RelayConnection)_ready[0];
                    _ready.RemoveAt(0);
                    next.IsScheduled = false;
                }

                if (next.Flush())
                {
                    lock (_sync)
                    {
                        if (!next.IsScheduled)
                        {
                            next.IsScheduled = true;
                            _stalled.Add(next);
                        }
                    }
                }
            }
        }
    }
}
