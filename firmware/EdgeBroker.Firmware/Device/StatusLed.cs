using System.Device.Gpio;
using System.Threading;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// One LED telling the gateway's state from across the room: slow blink — no network; steady — running; fast
    /// blink — pairing window open; short flash every two seconds — failed, about to restart. A board without a usable
    /// LED passes pin -1 and shows nothing.
    /// </summary>
    public sealed class StatusLed
    {
        public const int NoNetwork = 0;
        public const int Running = 1;
        public const int PairingOpen = 2;
        public const int Failed = 3;

        readonly GpioController _gpio;
        readonly int _pin;
        int _pattern;

        public StatusLed(GpioController gpio, int pin)
        {
            _gpio = gpio;
            _pin = pin;
            if (pin >= 0)
            {
                gpio.OpenPin(pin, PinMode.Output);
                new Thread(Blink).Start();
            }
        }

        public void Show(int pattern)
        {
            _pattern = pattern;
        }

        void Blink()
        {
            while (true)
            {
                int pattern = _pattern;
                if (pattern == Running)
                {
                    _gpio.Write(_pin, PinValue.High);
                    Thread.Sleep(250);
                    continue;
                }

                int on = pattern == PairingOpen ? 100 : pattern == Failed ? 50 : 1000;
                int off = pattern == PairingOpen ? 100 : pattern == Failed ? 1950 : 1000;
                _gpio.Write(_pin, PinValue.High);
                Thread.Sleep(on);
                _gpio.Write(_pin, PinValue.Low);
                Thread.Sleep(off);
            }
        }
    }
}
