using EdgeBroker.Firmware.Boot;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Boot;

/// <summary>What the gateway does when the image will not give the pairing button's or the LED's pin
/// (firmware/EdgeBroker.Firmware/Boot/OptionalPins.cs): it serves on without that part and says so once.</summary>
public class OptionalPinsTests
{
    [Fact]
    public void A_pin_the_image_reserves_means_no_button_said_once_and_nothing_thrown()
    {
        // The WT32-ETH01 image reserves GPIO 0 for the Ethernet clock (ESP32_WT32_ETH01_defconfig).
        var board = new FakeBoard { ReservedPins = { 0 } };

        bool attached = OptionalPins.Attach(board, 0, "pairing_button_pin", "pairing button", board);

        Assert.False(attached);
        var warning = Assert.Single(board.Warnings);
        Assert.StartsWith("No pairing button: GPIO 0 cannot be used (InvalidOperationException", warning);
        Assert.Contains("Set pairing_button_pin to a free pin, or to -1.", warning);
        Assert.Empty(board.AttachedPins);
    }

    [Fact]
    public void A_free_pin_is_attached_without_a_word()
    {
        var board = new FakeBoard { ReservedPins = { 0 } };

        bool attached = OptionalPins.Attach(board, 39, "pairing_button_pin", "pairing button", board);

        Assert.True(attached);
        Assert.Equal([39], board.AttachedPins);
        Assert.Empty(board.Warnings);
        Assert.Empty(board.Infos);
    }

    [Fact]
    public void No_pin_is_not_opened_and_is_said_once_as_information()
    {
        var board = new FakeBoard();

        bool attached = OptionalPins.Attach(board, BoardPins.None, "status_led_pin", "status LED", board);

        Assert.False(attached);
        Assert.Empty(board.AttachedPins);
        Assert.Empty(board.Warnings);
        Assert.Equal("No status LED (status_led_pin = -1)", Assert.Single(board.Infos));
    }

    [Fact]
    public void A_pin_whose_mode_is_refused_is_treated_alike()
    {
        // GpioPin.SetPinMode throws ArgumentException for a mode the pin cannot take (an output on GPIO 34-39).
        var board = new FakeBoard { PinRefusal = new ArgumentException("pin mode not supported") };

        bool attached = OptionalPins.Attach(board, 34, "status_led_pin", "status LED", board);

        Assert.False(attached);
        Assert.Contains("pin mode not supported", Assert.Single(board.Warnings));
    }
}
