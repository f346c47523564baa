namespace EdgeBroker.Firmware.Boot
{
    /// <summary>A part of the board on one GPIO pin that the gateway can serve without: the pairing button, the status
    /// LED (Device/ drives the pin; <see cref="OptionalPins"/> decides what a refused pin means).</summary>
    public interface IPinPart
    {
        /// <summary>Opens <paramref name="pin"/> and starts using it. Throws when the image will not give the pin: one
        /// a driver reserved (the WT32-ETH01's Ethernet clock on GPIO 0), a number the chip has no GPIO for, or a mode the
        /// pin cannot take.</summary>
        void Attach(int pin);
    }
}
