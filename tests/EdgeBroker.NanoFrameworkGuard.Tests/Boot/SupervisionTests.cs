using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Boot;

/// <summary>The supervisor's restart decisions and the board's limits (firmware/EdgeBroker.Firmware/Boot).</summary>
public class SupervisionTests
{
    static readonly DeviceSettings Defaults = DeviceSettings.From(SettingsFile.Parse(string.Empty));

    [Fact]
    public void A_healthy_heap_is_measured_once_a_minute_not_every_second()
    {
        var heap = new HeapWatch(Defaults);

        Assert.True(heap.IsDue(0));
        Assert.False(heap.MustRestart(200_000, 0));
        Assert.False(heap.IsDue(59_999));
        Assert.True(heap.IsDue(60_000));
    }

    [Fact]
    public void A_low_heap_is_watched_every_second_and_restarts_below_the_bound()
    {
        var heap = new HeapWatch(Defaults);

        Assert.False(heap.MustRestart(20_000, 0));
        Assert.True(heap.IsDue(1_000));
        Assert.True(heap.MustRestart(8_000, 1_000));
    }

    [Fact]
    public void The_network_may_be_gone_for_the_configured_minutes_before_a_restart()
    {
        var network = new NetworkWatch(Defaults);

        Assert.False(network.LostTooLong(false, 1_000));
        Assert.False(network.LostTooLong(false, 1_000 + 10 * 60_000));
        Assert.True(network.LostTooLong(false, 1_001 + 10 * 60_000));
    }

    [Fact]
    public void A_network_that_comes_back_starts_the_count_again()
    {
        var network = new NetworkWatch(Defaults);

        network.LostTooLong(false, 0);
        network.LostTooLong(true, 9 * 60_000);

        Assert.False(network.LostTooLong(false, 12 * 60_000));
    }

    [Theory]
    [InlineData("ESP32_REV0", 12)]
    [InlineData("ESP32_PSRAM_REV3", 12)]
    [InlineData("ESP32_C3", 12)]
    [InlineData("ESP32_C3_BETA", 4)]
    public void The_default_client_limit_follows_the_images_sockets(string target, int maxClients)
    {
        Assert.Equal(maxClients, BoardLimits.DefaultMaxClients(target));
    }
}
