using System;
using System.IO;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The gateway firmware as a whole, composed the same way on the device, in the emulator and in the tests: the
    /// flash store in <see cref="StoreDirectoryName"/> under the storage root (<c>I:\</c> or <c>D:\</c> on the device,
    /// the emulator's data directory on the PC), the routing core and retained messages on it, and the relay's
    /// listener. Nothing listens until <see cref="Start"/>.
    /// </summary>
    public sealed class Gateway
    {
        /// <summary>The store's directory under the storage root (beside edgebroker.conf).</summary>
        public const string StoreDirectoryName = "edgebroker";

        readonly FlashStore _store;
        readonly RelayServer _server;

        Gateway(RelaySettings settings, FlashStore store, RelayServer server)
        {
            Settings = settings;
            _store = store;
            _server = server;
        }

        public RelaySettings Settings { get; private set; }

        public FlashStore Store
        {
            get { return _store; }
        }

        public RelayContext Context
        {
            get { return _server.Context; }
        }

        /// <summary>The port listened on once started (differs from the setting when that is 0).</summary>
        public int Port
        {
            get { return _server.Port; }
        }

        /// <summary>
        /// Opens the store under <paramref name="storageRoot"/> and composes the gateway on it. Throws
        /// <see cref="FlashStoreException"/>, naming the file and what to do, when the store cannot be used: the gateway
        /// then does not start rather than start empty.
        /// </summary>
        public static Gateway Open(string storageRoot, RelaySettings settings, IRelayLog log)
        {
            FlashStore store = FlashStore.Open(Path.Combine(storageRoot, StoreDirectoryName), settings.ToFlashStoreLimits(), settings.ToOfflineLimits());
            try
            {
                return new Gateway(settings, store, new RelayServer(RelayContext.Compose(settings, store, log)));
            }
            catch (Exception)
            {
                store.Dispose();
                throw;
            }
        }

        /// <summary>Binds and starts serving; throws <see cref="System.Net.Sockets.SocketException"/> when the address or
        /// port is taken.</summary>
        public void Start()
        {
            _server.Start();
        }

        /// <summary>Stops serving (connections end as if lost) and closes the store; everything was already durable.</summary>
        public void Stop()
        {
            _server.Stop();
            _store.Dispose();
        }
    }
}
