using System.Device.Gpio;
using System.Threading;
using EdgeBroker.Firmware.Boot;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>
    /// Switches the status LED's pin in the pattern of the state last shown (<see cref="StatusLight"/> decides what each
    /// state looks like). A new state starts when the current pattern has run through, within two seconds. A board
    /// without a usable LED passes pin -1 and shows nothing.
    /// </summary>
    public sealed class StatusLed
    {
        readonly GpioController _gpio;
        readonly int _pin;
        int _state = StatusLight.Booting;

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
