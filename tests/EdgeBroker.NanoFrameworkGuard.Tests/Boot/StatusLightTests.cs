using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Boot;

/// <summary>What the status LED shows for each state of the gateway, and on which pin (firmware/EdgeBroker.Firmware/Boot).</summary>
public class StatusLightTests
{
    static readonly int[] States =
    [
        StatusLight.Booting, StatusLight.JoiningNetwork, StatusLight.Serving, StatusLight.PairingOpen, StatusLight.StoreFull,
        StatusLight.UplinkDown, StatusLight.Failed,
    ];

    [Theory]
    [InlineData(false, true, true, true, StatusLight.JoiningNetwork)]
    [InlineData(true, true, true, true, StatusLight.PairingOpen)]
    [InlineData(true, false, true, true, StatusLight.StoreFull)]
    [InlineData(true, false, false, true, StatusLight.UplinkDown)]
    [InlineData(true, false, false, false, StatusLight.Serving)]
    public void A_running_gateway_shows_its_most_urgent_state(bool networkUp, bool pairingOpen, bool storeFull, bool uplinkDown, int expected)
    {
        Assert.Equal(expected, StatusLight.Of(networkUp, pairingOpen, storeFull, uplinkDown));
    }

    [Fact]
    public void Every_state_blinks_in_a_rhythm_of_its_own()
    {
        var rhythms = States.Select(state => string.Join(",", StatusLight.PatternOf(state))).ToList();

        Assert.Equal(States.Length, rhythms.Distinct().Count());
    }

    [Fact]
    public void Every_pattern_alternates_on_and_off_and_repeats_within_two_seconds()
    {
        foreach (var state in States)
        {
            var pattern = StatusLight.PatternOf(state);
            Assert.True(pattern.Length % 2 == 0, $"state {state}: a pattern must end with the LED off period");
            Assert.True(pattern[0] > 0, $"state {state}: a pattern starts with the LED on");
            Assert.All(pattern, duration => Assert.InRange(duration, 0, 2000));
            Assert.InRange(pattern.Sum(), 100, 2000);
        }
    }

    [Fact]
    public void Serving_is_steady_on_and_an_unknown_state_shows_as_failed()
    {
        Assert.Equal([1000, 0], StatusLight.PatternOf(StatusLight.Serving));
        Assert.Same(StatusLight.PatternOf(StatusLight.Failed), StatusLight.PatternOf(99));
    }

    [Theory]
    [InlineData("ESP32_REV0", 2)]
    [InlineData("ESP32_PSRAM_REV3", 2)]
    [InlineData("ESP32_OLIMEX", -1)]
    [InlineData("ESP32_OLIMEX_WROVER", -1)]
    [InlineData("M5Core", -1)]
    [InlineData("ESP32_C3", -1)]
    public void The_led_is_off_by_default_on_boards_without_a_plain_one(string target, int pin)
    {
        Assert.Equal(pin, DeviceSettings.From(SettingsFile.Parse(string.Empty), target).StatusLedPin);
    }

    [Fact]
    public void The_led_pin_is_configurable()
    {
        Assert.Equal(4, DeviceSettings.From(SettingsFile.Parse("status_led_pin = 4\n"), "M5Core").StatusLedPin);
        Assert.Equal(-1, DeviceSettings.From(SettingsFile.Parse("status_led_pin = -1\n"), "ESP32_REV0").StatusLedPin);
    }
}
