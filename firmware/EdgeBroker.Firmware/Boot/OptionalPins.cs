using System;
using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Firmware.Boot
{
    /// <summary>
    /// What a pin the image will not give means: the gateway goes on without that part and says so once. The pairing
    /// button and the status LED are conveniences; stopping or restarting for them would lose what the gateway is for,
    /// and a restart would only meet the same refusal — on the WT32-ETH01, whose GPIO 0 is the Ethernet clock, a
    /// pairing button there once rebooted the board every few seconds.
    /// </summary>
    public static class OptionalPins
    {
        /// <summary>Attaches <paramref name="part"/> (called <paramref name="name"/> on the log) to <paramref name="pin"/>,
        /// set by <paramref name="key"/> in edgebroker.conf. False when the gateway runs without it: the pin is
        /// <see cref="BoardPins.None"/>, or opening it failed. Never throws for the pin.</summary>
        public static bool Attach(IPinPart part, int pin, string key, string name, IRelayLog log)
        {
            if (pin == BoardPins.None)
            {
                log.Info("No " + name + " (" + key + " = " + BoardPins.None + ")");
                return false;
            }

            try
            {
                part.Attach(pin);
                return true;
            }
            catch (Exception e)
            {
                log.Warning("No " + name + ": GPIO " + pin + " cannot be used (" + Reason(e)
                    + "); the image reserves it for a driver (Ethernet, SD card) or the chip has no such pin. Set " + key
                    + " to a free pin, or to " + BoardPins.None + ".");
                return false;
            }
        }

        /// <summary>GpioController.OpenPin throws a bare InvalidOperationException, so the type says most; Object's
        /// GetType is what nanoFramework has.</summary>
        static string Reason(Exception e)
        {
            string type = ((object)e).GetType().Name;
            return e.Message == null || e.Message.Length == 0 ? type : type + ": " + e.Message;
        }
    }
}
