using System;
using System.Net.NetworkInformation;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay;
using nanoFramework.Runtime.Native;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// The gateway's watchdog: once a second it sets the LED from the gateway's state (<see cref="StatusLight"/>:
    /// network, pairing window, store, uplink) and reports the free heap it measured to the <c>$SYS</c> tree, and it restarts the
    /// device when it can no longer serve — the managed heap nearly exhausted (<see cref="HeapWatch"/>) or the network
    /// gone for longer than the configured minutes (<see cref="NetworkWatch"/>). Intervals are measured on the
    /// monotonic tick count, which SNTP does not move. A restart costs the clients a reconnect; a wedged gateway would
    /// cost them everything.
    /// </summary>
    public sealed class Supervisor
    {
        const int CheckMilliseconds = 1000;

        readonly DeviceSettings _settings;
        readonly StatusLed _led;
        readonly DebugLog _log;

        /// <summary>Set by the network's availability events, so the once-a-second check allocates nothing.</summary>
        bool _networkUp = true;

        public Supervisor(DeviceSettings settings, StatusLed led, DebugLog log)
        {
            _settings = settings;
            _led = led;
            _log = log;
        }

        /// <summary>Runs on the calling thread for as long as the device is up, watching <paramref name="gateway"/>.</summary>
        public void Run(Gateway gateway)
        {
            NetworkChange.NetworkAvailabilityChanged += (sender, e) => _networkUp = e.IsAvailable;
            HeapWatch heap = new HeapWatch(_settings);
            NetworkWatch network = new NetworkWatch(_settings);
            while (true)
            {
                Thread.Sleep(CheckMilliseconds);
                long now = Clock.MonotonicMs();
                bool networkUp = _networkUp;
                if (network.LostTooLong(networkUp, now))
                {
                    Restart("network lost for " + _settings.NetworkLostRebootMinutes + " minutes");
                }

                if (heap.IsDue(now))
                {
                    uint freeBytes = nanoFramework.Runtime.Native.GC.Run(false);
                    gateway.Context.HeapFreeBytes = (int)freeBytes;
                    if (heap.MustRestart(freeBytes, now))
                    {
                        Restart("managed heap down to " + freeBytes + " free bytes");
                    }
                }

                _led.Show(StatusLight.Of(networkUp, gateway.Pairing.IsOpen, gateway.Context.StoreFull, gateway.UplinkDown));
            }
        }

        /// <summary>Stops for good with the failure on the LED: for what a restart cannot mend (a damaged store, no
        /// credentials), which needs an operator.</summary>
        public void Halt(string reason)
        {
            _log.Warning("Stopped: " + reason);
            _led.Show(StatusLight.Failed);
            Thread.Sleep(Timeout.Infinite);
        }

        /// <summary>Shows the failure on the LED long enough to be seen, then reboots.</summary>
        public void Restart(string reason)
        {
            _log.Warning("Restarting: " + reason);
            _led.Show(StatusLight.Failed);
            Thread.Sleep(5000);
            Power.RebootDevice();
        }
    }
}
