using System.Device.Gpio;
using System.Threading;
using EdgeBroker.Firmware.Boot;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// Switches the status LED's pin in the pattern of the state last shown (<see cref="StatusLight"/> decides what each
    /// state looks like). A new state starts when the current pattern has run through, within two seconds. Until it is
    /// attached to a pin (through <see cref="OptionalPins"/>; never on a board without a usable LED) it shows nothing.
    /// </summary>
    public sealed class StatusLed : IPinPart
    {
        readonly GpioController _gpio;
        int _pin;
        int _state = StatusLight.Booting;

        public StatusLed(GpioController gpio)
        {
            _gpio = gpio;
        }

        public void Attach(int pin)
        {
            _gpio.OpenPin(pin, PinMode.Output);
            _pin = pin;
            new Thread(Blink).Start();
        }

        /// <summary>Shows <paramref name="state"/>, one of <see cref="StatusLight"/>'s.</summary>
        public void Show(int state)
        {
            _state = state;
        }

        void Blink()
        {
            while (true)
            {
                int[] pattern = StatusLight.PatternOf(_state);
                for (int i = 0; i < pattern.Length; i++)
                {
                    if (pattern[i] > 0)
                    {
                        _gpio.Write(_pin, i % 2 == 0 ? PinValue.High : PinValue.Low);
                        Thread.Sleep(pattern[i]);
                    }
                }
            }
        }
    }
}
