using System;
using EdgeBroker.Core;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// The gateway's way from power-on to a running relay, decided here and tested on the PC; Device/ only supplies
    /// the file system, the network interface and the clock, and carries out the outcome. Nothing here throws: a
    /// missing volume, an absent SD card, a network that does not answer each end in a decision.
    /// </summary>
    public sealed class GatewayBoot
    {
        public const int ClockPollMilliseconds = 1000;

        readonly IBootStorage _storage;
        readonly INetworkLink _network;
        readonly IBootClock _clock;
        readonly IRelayLog _log;

        public GatewayBoot(IBootStorage storage, INetworkLink network, IBootClock clock, IRelayLog log)
        {
            _storage = storage;
            _network = network;
            _clock = clock;
            _log = log;
        }

        /// <summary>edgebroker.conf from the internal flash, which every board has (an SD card's pins are named in it);
        /// defaults when it is absent or cannot be read.</summary>
        public SettingsFile ReadSettings()
        {
            string path = StorageRoot.InternalFlash + SettingsFile.FileName;
            string text = null;
            try
            {
                text = _storage.ReadText(path);
            }
            catch (Exception e)
            {
                _log.Warning("Cannot read " + path + ": " + e.Message + "; using the defaults");
            }

            return SettingsFile.Parse(text ?? string.Empty);
        }

        /// <summary>Chooses the storage root, joins the network and waits (bounded) for the wall clock.</summary>
        public BootOutcome Start(DeviceSettings settings)
        {
            BootOutcome outcome = new BootOutcome();
            outcome.Root = StorageRoot.Choose(_storage, settings, _log);
            if (settings.Network != DeviceSettings.EthernetNetwork && !WifiCredentials.Available(settings, _network))
            {
                outcome.HaltReason = "no Wi-Fi credentials: set wifi_ssid and wifi_password in " + StorageRoot.InternalFlash
                    + SettingsFile.FileName;
                return outcome;
            }

            if (!NetworkJoin.Run(_network, _clock, settings, _log))
            {
                outcome.RestartReason = "could not join the network (" + settings.Network + ") in "
                    + settings.NetworkJoinAttempts + " attempts";
                return outcome;
            }

            outcome.ClockValid = WaitForClock(settings.TimeSyncSeconds);
            if (!outcome.ClockValid)
            {
                _log.Warning("The wall clock is not set " + settings.TimeSyncSeconds + " s after joining the network (no SNTP "
                    + "answer): starting anyway; token checks and event dates are wrong until it is (message ages are kept on the uptime)");
            }

            return outcome;
        }

        bool WaitForClock(int seconds)
        {
            for (int waited = 0; ; waited += ClockPollMilliseconds)
            {
                if (Clock.IsValid(_clock.WallClockMs()))
                {
                    return true;
                }

                if (waited >= seconds * 1000)
                {
                    return false;
                }

                _clock.Sleep(ClockPollMilliseconds);
            }
        }
    }
}
