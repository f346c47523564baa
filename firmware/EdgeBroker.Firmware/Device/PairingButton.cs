using System.Device.Gpio;
using EdgeBroker.Firmware.Pairing;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The pairing button: a press (falling edge; the button pulls the pin to ground) opens the pairing window
    /// of the configured group.</summary>
    public sealed class PairingButton
    {
        readonly PairingControl _pairing;

        public PairingButton(GpioController gpio, int pin, bool pullUp, PairingControl pairing)
        {
            _pairing = pairing;
            gpio.OpenPin(pin, pullUp ? PinMode.InputPullUp : PinMode.Input);
            gpio.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Falling, (sender, e) => _pairing.Press());
        }
    }
}
