using System;
using System.IO;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Firmware.Pairing;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Firmware.Uplink;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The gateway firmware as a whole, composed the same way on the device, in the emulator and in the tests: the
    /// flash store in <see cref="StoreDirectoryName"/> under the storage root (<c>I:\</c> or <c>D:\</c> on the device,
    /// the emulator's data directory on the PC), the core's security with the paired devices kept there, the routing
    /// core and retained messages on it, the relay's listener, the pairing button and the uplink to a cloud broker
    /// when edgebroker.conf configures one. Nothing listens or connects until <see cref="Start"/>.
    /// </summary>
    public sealed class Gateway
    {
        /// <summary>The store's directory under the storage root (beside edgebroker.conf).</summary>
        public const string StoreDirectoryName = "edgebroker";

        readonly FlashStore _store;
        readonly RelayServer _server;

        Gateway(RelaySettings settings, FlashStore store, RelayServer server, PairingControl pairing, UplinkDriver uplink)
        {
            Settings = settings;
            _store = store;
            _server = server;
            Pairing = pairing;
            Uplink = uplink;
        }

        /// <summary>The uplink's driver, or null without an uplink.</summary>
        public UplinkDriver Uplink { get; private set; }

        /// <summary>Whether an uplink is configured and not connected now (for the status LED).</summary>
        public bool UplinkDown
        {
            get { return Uplink != null && Uplink.Uplink.State != Core.Uplink.UplinkState.Connected; }
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
        /// makes the secrets of paired devices). <paramref name="uplink"/> (null for none) runs over
        /// <paramref name="uplinkTransport"/>: M2Mqtt on the device, a socket client in the emulator. Its CA file is read
        /// from <paramref name="settingsDirectory"/>, beside edgebroker.conf (<c>I:\</c> on the device whatever the
        /// storage root; the data directory in the emulator); one that cannot be read is logged and the gateway runs
        /// without the uplink.
        /// </summary>
        public static Gateway Open(string storageRoot, string settingsDirectory, RelaySettings settings, RelaySecuritySettings security,
            IRandomSource random, IRelayLog log, RelayUplinkSettings uplink, IUplinkTransport uplinkTransport)
        {
            FlashStore store = FlashStore.Open(Path.Combine(storageRoot, StoreDirectoryName), settings.ToFlashStoreLimits(), settings.ToOfflineLimits());
            try
            {
                if (store.RewriteFailure != null)
                {
                    log.Warning("The offline store " + store.LogPath + " was read, but could not be rewritten (" + store.RewriteFailure
                        + "): nothing is lost, and what it holds is served (queued uplink messages are sent), but nothing new can be "
                        + "stored until the drive has room for a copy of it. Free space on the drive: the next write then rewrites it");
                }

                if (security.ForgetPairedDevices)
                {
                    log.Warning("Forgot " + store.ForgetPairedDevices() + " paired devices (" + RelaySecuritySettings.ForgetPairedDevicesKey
                        + " = 1): pair them again with the pairing button. Remove the line, or every start forgets the devices paired since");
                }

                int pairedDevices = store.Devices.LoadDevices().Count;
                BrokerSecurity brokerSecurity = new BrokerSecurity(security.ToOptions(pairedDevices > 0), store.Devices, new MemoryTokenStore(), random);
                log.Info("Security: " + security.AccessKeys.Count + " access keys, " + pairedDevices + " paired devices; anonymous clients "
                    + (brokerSecurity.Options.AllowAnonymous ? "admitted" : "refused") + "; the pairing button opens group " + security.PairingGroup);
                for (int i = 0; i < security.AccessKeys.Count; i++)
                {
                    AccessKey key = (AccessKey)security.AccessKeys[i];
                    string weak = AccessKeyCheck.WeakSecretWarning(key.Id, key.Secret);
                    if (weak != null)
                    {
                        log.Warning(weak);
                    }
                }

                if (security.NeedsAccessKey(settings.Bind))
                {
                    // The host refuses this configuration; a device must start to be paired, so it says so instead.
                    log.Warning("Listening on " + settings.Bind + " beyond loopback without an access key: "
                        + (brokerSecurity.Options.AllowAnonymous ? "any client that reaches the gateway connects without credentials" : "only paired devices can connect")
                        + ". Add " + RelaySecuritySettings.AccessKeyPrefix + "{id} = {secret}, or set " + RelaySecuritySettings.AllowAnonymousKey
                        + " = 1 to keep it open knowingly");
                }

                RelayContext context = RelayContext.Compose(settings, store, brokerSecurity, log);
                UplinkDriver driver = uplink == null ? null : AddUplink(context, store, uplink, uplinkTransport, settingsDirectory, random);
                RelayServer server = new RelayServer(context);
                return new Gateway(settings, store, server, new PairingControl(brokerSecurity, security.PairingGroup), driver);
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
            if (Uplink != null)
            {
                Uplink.Start();
            }
        }

        /// <summary>Stops the uplink and serving (connections end as if lost) and closes the store; everything was
        /// already durable.</summary>
        public void Stop()
        {
            if (Uplink != null)
            {
                Uplink.Stop();
            }

            _server.Stop();
            _store.Dispose();
        }

        /// <summary>The core's uplink on the store's queue, and its driver; null (logged) when its CA file cannot be read.
        /// What is still queued from the last run is sent first.</summary>
        static UplinkDriver AddUplink(RelayContext context, FlashStore store, RelayUplinkSettings settings, IUplinkTransport transport,
            string settingsDirectory, IRandomSource random)
        {
            byte[] caCertificate = null;
            if (settings.CaFile != null)
            {
                string caPath = Path.Combine(settingsDirectory, settings.CaFile);
                try
                {
                    caCertificate = File.ReadAllBytes(caPath);
                }
                catch (Exception e)
                {
                    // Not a reason to stop the broker (the device would restart into the same failure for ever): local
                    // clients are served, and what forward rules take is not queued for an uplink that is not there.
                    context.Log.Warning("Uplink " + settings.Uplink.Name + " is not started: its " + RelayUplinkSettings.CaFileKey + " "
                        + caPath + " cannot be read (" + e.Message + "). Put the CA certificate beside " + SettingsFile.FileName
                        + " and restart");
                    return null;
                }
            }

            Core.Uplink.Uplink uplink = new Core.Uplink.Uplink(settings.Uplink, store.UplinkQueue, random);
            context.Core.AddUplink(uplink);
            context.Log.Info("Uplink " + uplink.Name + " as " + settings.Uplink.ClientId + ": " + uplink.Status(Clock.NowMs()).Queued
                + " queued from before, " + settings.Uplink.ForwardRules.Count + " forward and " + settings.Uplink.SubscribeRules.Count
                + " subscribe rules");
            return new UplinkDriver(uplink, transport, context, caCertificate);
        }
    }
}
