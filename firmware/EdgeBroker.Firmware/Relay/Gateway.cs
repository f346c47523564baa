using System;
using System.IO;
using EdgeBroker.Core.Security;
using EdgeBroker.Firmware.Pairing;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The gateway firmware as a whole, composed the same way on the device, in the emulator and in the tests: the
    /// flash store in <see cref="StoreDirectoryName"/> under the storage root (<c>I:\</c> or <c>D:\</c> on the device,
    /// the emulator's data directory on the PC), the core's security with the paired devices kept there, the routing
    /// core and retained messages on it, the relay's listener and the pairing button. Nothing listens until
    /// <see cref="Start"/>.
    /// </summary>
    public sealed class Gateway
    {
        /// <summary>The store's directory under the storage root (beside edgebroker.conf).</summary>
        public const string StoreDirectoryName = "edgebroker";

        readonly FlashStore _store;
        readonly RelayServer _server;

        Gateway(RelaySettings settings, FlashStore store, RelayServer server, PairingControl pairing)
        {
            Settings = settings;
            _store = store;
            _server = server;
            Pairing = pairing;
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

        /// <summary>What the pairing button does.</summary>
        public PairingControl Pairing { get; private set; }

        /// <summary>The port listened on once started (differs from the setting when that is 0).</summary>
        public int Port
        {
            get { return _server.Port; }
        }

        /// <summary>
        /// Opens the store under <paramref name="storageRoot"/> and composes the gateway on it. Throws
        /// <see cref="FlashStoreException"/>, naming the file and what to do, when the store cannot be used: the gateway
        /// then does not start rather than start empty. <paramref name="random"/> must be cryptographically strong (it
        /// makes the secrets of paired devices).
        /// </summary>
        public static Gateway Open(string storageRoot, RelaySettings settings, RelaySecuritySettings security,
            IRandomSource random, IRelayLog log)
        {
            FlashStore store = FlashStore.Open(Path.Combine(storageRoot, StoreDirectoryName), settings.ToFlashStoreLimits(), settings.ToOfflineLimits());
            try
            {
                int pairedDevices = store.Devices.LoadDevices().Count;
                BrokerSecurity brokerSecurity = new BrokerSecurity(security.ToOptions(pairedDevices > 0), store.Devices, new MemoryTokenStore(), random);
                log.Info("Security: " + security.AccessKeys.Count + " access keys, " + pairedDevices + " paired devices; anonymous clients "
                    + (brokerSecurity.Options.AllowAnonymous ? "admitted" : "refused") + "; the pairing button opens group " + security.PairingGroup);
                RelayServer server = new RelayServer(RelayContext.Compose(settings, store, brokerSecurity, log));
                return new Gateway(settings, store, server, new PairingControl(brokerSecurity, security.PairingGroup));
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
