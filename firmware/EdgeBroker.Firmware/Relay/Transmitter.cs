using System.Collections;
using System.Threading;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The one thread that writes to client sockets. Readers never block on a slow client: they queue bytes and
    /// schedule the connection here; this thread sends them. One writer for all clients instead of one per client
    /// keeps the device to a thread per connection (nanoFramework allocates every thread's frames on the managed heap).
    /// A client that stops reading blocks it only until the socket's send timeout closes that client.
    /// </summary>
    public sealed class Transmitter
    {
        readonly object _sync = new object();
        readonly ArrayList _ready = new ArrayList();
        readonly Worker _worker;

        public Transmitter()
        {
            _worker = new Worker(FlushReady, Timeout.Infinite);
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

                next.Flush();
            }
        }
    }
}
