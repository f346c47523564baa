using System.Device.Gpio;
using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Pairing;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The pairing button: a press (falling edge; the button pulls the pin to ground) opens the pairing window
    /// of the configured group. Attached through <see cref="OptionalPins"/>, which decides what a refused pin means.</summary>
    public sealed class PairingButton : IPinPart
    {
        readonly GpioController _gpio;
        readonly bool _pullUp;
        readonly PairingControl _pairing;

        public PairingButton(GpioController gpio, bool pullUp, PairingControl pairing)
        {
            _gpio = gpio;
            _pullUp = pullUp;
            _pairing = pairing;
        }

        public void Attach(int pin)
        {
            _gpio.OpenPin(pin, _pullUp ? PinMode.InputPullUp : PinMode.Input);
            _gpio.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Falling, (sender, e) => _pairing.Press());
        }
    }
}
