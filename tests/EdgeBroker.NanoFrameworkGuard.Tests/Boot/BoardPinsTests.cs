using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Boot;

/// <summary>Which pins a board uses unless edgebroker.conf says otherwise (firmware/EdgeBroker.Firmware/Boot/BoardPins.cs):
/// only a part the board has, on a pin its image leaves free.</summary>
public class BoardPinsTests
{
    [Theory]
    [InlineData(null, 0, true)]                  // the boot tests' board: an ESP32-DevKitC
    [InlineData("ESP32_REV0", 0, true)]          // DevKitC: BOOT
    [InlineData("ESP32_PSRAM_REV3", 0, true)]    // WROVER boards: BOOT
    [InlineData("ESP32_WT32_ETH01", -1, true)]   // no button; GPIO 0 is the Ethernet clock input
    [InlineData("ESP32_OLIMEX", 34, false)]      // BUT1, pulled up on the board (34-39 have no internal pull-up)
    [InlineData("ESP32_OLIMEX_WROVER", 34, false)]
    [InlineData("M5Core", 39, false)]            // button A, pulled up on the board
    [InlineData("ESP32_C3", 9, true)]            // BOOT
    [InlineData("ESP32_C3_BETA", 9, true)]
    [InlineData("ESP32_S3_QUAD", 0, true)]       // an image the table does not know: BOOT, as before
    public void The_pairing_button_follows_the_board(string? target, int pin, bool pullUp)
    {
        var settings = DeviceSettings.From(SettingsFile.Parse(string.Empty), target!);

        Assert.Equal(pin, settings.PairingButtonPin);
        Assert.Equal(pullUp, settings.PairingButtonPullUp);
    }

    [Fact]
    public void The_wt32_eth01_offers_no_pin_its_ethernet_reserves()
    {
        // ESP32_WT32_ETH01_defconfig: RMII clock in on GPIO 0, PHY reset on 16; the EMAC's MDC 23, MDIO 18 and RMII 19,
        // 21, 22, 25, 26, 27 (nf-interpreter _Network/NF_ESP32_Ethernet.cpp reserves them all).
        int[] reserved = [0, 16, 18, 19, 21, 22, 23, 25, 26, 27];

        Assert.DoesNotContain(BoardPins.DefaultPairingButtonPin("ESP32_WT32_ETH01"), reserved);
        Assert.DoesNotContain(BoardPins.DefaultStatusLedPin("ESP32_WT32_ETH01"), reserved);
    }

    [Fact]
    public void A_configured_button_pin_wins_and_minus_one_means_none()
    {
        var wired = DeviceSettings.From(SettingsFile.Parse("pairing_button_pin = 39\npairing_button_pullup = 0\n"), "ESP32_WT32_ETH01");
        var none = DeviceSettings.From(SettingsFile.Parse("pairing_button_pin = -1\n"), "ESP32_REV0");

        Assert.Equal(39, wired.PairingButtonPin);
        Assert.False(wired.PairingButtonPullUp);
        Assert.Equal(BoardPins.None, none.PairingButtonPin);
    }

    [Fact]
    public void A_button_pin_out_of_range_is_reported_and_keeps_the_boards_default()
    {
        var file = SettingsFile.Parse("pairing_button_pin = -2\n");

        var settings = DeviceSettings.From(file, "M5Core");

        Assert.Equal(39, settings.PairingButtonPin);
        Assert.Contains(file.Problems.Cast<string>(), problem => problem.Contains("pairing_button_pin"));
    }
}
