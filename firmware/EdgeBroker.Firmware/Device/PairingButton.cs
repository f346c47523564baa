using System.Device.Gpio;
using EdgeBroker.Firmware.Pairing;

namespace EdgeBroker.Firmware.Device
{
    /// <summary>The pairing button: a press (falling edge; the button pulls the pin to ground) opens the pairing window.</summary>
    public sealed class PairingButton
    {
        readonly PairingWindow _window;

        public PairingButton(GpioController gpio, int pin, bool pullUp, PairingWindow window)
        {
            _window = window;
            gpio.OpenPin(pin, pullUp ? PinMode.InputPullUp : PinMode.Input);
            gpio.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Falling, (sender, e) => _window.Open());
        }
    }
}
