using System;
using System.Device.Gpio;
using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Firmware.Uplink;
using nanoFramework.Runtime.Native;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// The gateway firmware's entry point: read edgebroker.conf, choose the storage root, join the network and wait
    /// for the clock (<see cref="GatewayBoot"/>, portable and tested on the PC), open the store and start the relay on
    /// the routing core (<see cref="Gateway"/>) with its uplink on M2Mqtt when one is configured (an invalid uplink
    /// setting is logged and the gateway runs without it), wire the pairing button and the status LED, then supervise.
    /// Everything it starts is portable and runs unchanged in the emulator (host/EdgeBroker.Emulator); only this
    /// folder needs the device.
    /// </summary>
    public static class Program
    {
        public static void Main()
        {
            DebugLog log = new DebugLog();
            GatewayBoot boot = new GatewayBoot(new DeviceStorage(), new DeviceNetwork(), new DeviceClock(), log);
            SettingsFile file = boot.ReadSettings();
            DeviceSettings device = DeviceSettings.From(file, SystemInfo.TargetName);
            RelaySettings relay = new RelaySettings();
            relay.MaxClients = BoardLimits.DefaultMaxClients(SystemInfo.TargetName);
            relay.ApplyFrom(file);
            RelaySecuritySettings security = new RelaySecuritySettings();
            security.ApplyFrom(file);
            RelayUplinkSettings uplink = RelayUplinkSettings.From(file, relay);

            // After every class has read the file: a key none asked for is a typo or another version's, said on the log.
            file.CheckUnknownKeys();
            for (int i = 0; i < file.Problems.Count; i++)
            {
                log.Warning((string)file.Problems[i]);
            }

            string trust = DeviceTrustCheck.Warning(uplink);
            if (trust != null)
            {
                log.Warning(trust);
            }

            // The LED flickers (booting) from here until the network join starts.
            GpioController gpio = new GpioController();
            StatusLed led = new StatusLed(gpio);
            OptionalPins.Attach(led, device.StatusLedPin, "status_led_pin", "status LED", log);
            Supervisor supervisor = new Supervisor(device, led, log);
            try
            {
                led.Show(StatusLight.JoiningNetwork);
                BootOutcome outcome = boot.Start(device);
                if (outcome.HaltReason != null)
                {
                    supervisor.Halt(outcome.HaltReason);
                    return;
                }

                if (outcome.RestartReason != null)
                {
                    supervisor.Restart(outcome.RestartReason);
                    return;
                }

                // I: is LittleFS through the ESP-IDF VFS: nanoFramework's Flush there is fflush, which leaves the bytes
                // in LittleFS's cache; a file reaches flash only when it is closed. (D:, the SD card's FAT, commits at
                // Flush: f_sync.)
                CommitByClosing.Require(StorageRoot.InternalFlash);
                Gateway gateway;
                try
                {
                    gateway = Gateway.Open(outcome.Root, StorageRoot.InternalFlash, relay, security, new HardwareRandom(), log, uplink, new M2MqttUplinkTransport(relay.MaxPacketSize));
                }
                catch (FlashStoreException e)
                {
                    // Restarting would not mend the file, and starting empty would lose what it holds.
                    supervisor.Halt(e.Message);
                    return;
                }

                gateway.Start();
                OptionalPins.Attach(new PairingButton(gpio, device.PairingButtonPullUp, gateway.Pairing), device.PairingButtonPin,
                    "pairing_button_pin", "pairing button", log);
                supervisor.Run(gateway);
            }
            catch (Exception e)
            {
                supervisor.Restart("unexpected failure: " + e.Message);
            }
        }
    }
}
