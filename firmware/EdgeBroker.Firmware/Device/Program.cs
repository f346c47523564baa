using System;
using System.Device.Gpio;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// The gateway firmware's entry point: read edgebroker.conf from the storage root, join the network, open the store
    /// and start the relay on the routing core (<see cref="Gateway"/>) with its uplink on M2Mqtt when one is configured
    /// (an invalid uplink setting is logged and the gateway runs without it), wire the pairing button and the status
    /// LED, then supervise. Everything it starts is
    /// portable and runs unchanged in the emulator (host/EdgeBroker.Emulator); only this folder needs the device.
    /// </summary>
    public static class Program
    {
        public static void Main()
        {
            DebugLog log = new DebugLog();
            string root = StorageRoot.Find();
            SettingsFile file = SettingsFile.Parse(StorageRoot.ReadSettings(root));
            DeviceSettings device = DeviceSettings.From(file);
            RelaySettings relay = new RelaySettings();
            relay.ApplyFrom(file);
            RelaySecuritySettings security = new RelaySecuritySettings();
            security.ApplyFrom(file);
            RelayUplinkSettings uplink = RelayUplinkSettings.From(file, relay);
            for (int i = 0; i < file.Problems.Count; i++)
            {
                log.Warning((string)file.Problems[i]);
            }

            GpioController gpio = new GpioController();
            StatusLed led = new StatusLed(gpio, device.StatusLedPin);
            Supervisor supervisor = new Supervisor(device, led, log);
            try
            {
                led.Show(StatusLed.NoNetwork);
                if (!NetworkBringUp.Connect(device))
                {
                    supervisor.Restart("could not join the network");
                }

                Gateway gateway;
                try
                {
                    gateway = Gateway.Open(root, relay, security, new HardwareRandom(), log, uplink, new M2MqttUplinkTransport());
                }
                catch (FlashStoreException e)
                {
                    // Restarting would not mend the file, and starting empty would lose what it holds.
                    supervisor.Halt(e.Message);
                    return;
                }

                gateway.Start();
                new PairingButton(gpio, device.PairingButtonPin, device.PairingButtonPullUp, gateway.Pairing);
                supervisor.Run(gateway.Pairing);
            }
            catch (Exception e)
            {
                supervisor.Restart("unexpected failure: " + e.Message);
            }
        }
    }
}
