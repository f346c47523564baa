using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Boot;

/// <summary>The way from power-on to a running relay (firmware/EdgeBroker.Firmware/Boot), on a fake board.</summary>
public class GatewayBootTests
{
    const string ConfPath = StorageRoot.InternalFlash + SettingsFile.FileName;

    [Fact]
    public void Without_an_SD_card_configured_the_store_is_on_I_and_D_is_never_asked_for()
    {
        var board = new FakeBoard { HasSdCard = true };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\n");

        Assert.Equal(StorageRoot.InternalFlash, outcome.Root);
        Assert.Equal(0, board.MountAttempts);
    }

    [Fact]
    public void An_SD_card_that_is_not_there_falls_back_to_I()
    {
        var board = new FakeBoard { HasSdCard = false };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\nsd_card = mmc\nstatus_led_pin = 5\n");

        Assert.Equal(StorageRoot.InternalFlash, outcome.Root);
        Assert.Equal(1, board.MountAttempts);
        Assert.Contains(board.Warnings, w => w.Contains("No SD card (mmc)", StringComparison.Ordinal));
        Assert.Null(outcome.RestartReason);
    }

    [Fact]
    public void The_LED_is_not_driven_on_the_SD_cards_data_pin()
    {
        SettingsFile file = SettingsFile.Parse("sd_card = mmc\n");

        DeviceSettings settings = DeviceSettings.From(file);

        Assert.Equal(-1, settings.StatusLedPin);
        Assert.Contains(file.Problems.Cast<string>(), p => p.StartsWith("status_led_pin 2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_mounted_SD_card_holds_the_store()
    {
        var board = new FakeBoard { HasSdCard = true };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\nsd_card = spi\nsd_card_cs_pin = 4\n");

        Assert.Equal(StorageRoot.SdCard, outcome.Root);
    }

    [Fact]
    public void A_missing_settings_file_means_the_defaults()
    {
        var board = new FakeBoard();
        var boot = new GatewayBoot(board, board, board, board);

        DeviceSettings settings = DeviceSettings.From(boot.ReadSettings());

        Assert.Null(settings.WifiSsid);
        Assert.Equal(DeviceSettings.NoSdCard, settings.SdCard);
        Assert.Empty(board.Warnings);
    }

    [Fact]
    public void A_network_that_never_answers_restarts_the_device_after_the_bound_with_doubling_pauses()
    {
        var board = new FakeBoard { JoinSucceedsOnAttempt = 0 };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\nnetwork_join_attempts = 6\nnetwork_join_timeout_seconds = 20\n");

        Assert.Equal("could not join the network (wifi) in 6 attempts", outcome.RestartReason);
        Assert.Equal(6, board.Joins.Count);
        Assert.All(board.Joins, join => Assert.Equal(20000, join.TimeoutMs));
        Assert.Equal(new[] { 2000, 4000, 8000, 16000, 32000 }, board.Sleeps);
    }

    [Fact]
    public void The_pause_between_attempts_stops_growing_at_a_minute()
    {
        var board = new FakeBoard { JoinSucceedsOnAttempt = 0 };

        Boot(board, "wifi_ssid = home\nnetwork_join_attempts = 9\n");

        Assert.Equal(NetworkJoin.MaxPauseMilliseconds, board.Sleeps.Max());
        Assert.Equal(new[] { 32000, 60000, 60000, 60000 }, board.Sleeps.Skip(4));
    }

    [Fact]
    public void A_later_attempt_that_succeeds_starts_the_gateway()
    {
        var board = new FakeBoard { JoinSucceedsOnAttempt = 3 };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\n");

        Assert.Null(outcome.RestartReason);
        Assert.Equal(3, board.Joins.Count);
    }

    [Fact]
    public void Without_wifi_ssid_the_stored_credentials_are_used_and_kept()
    {
        var board = new FakeBoard { StoredSsid = "home", StoredPassword = "secret" };

        BootOutcome outcome = Boot(board, "# no network settings\n");

        Assert.Null(outcome.HaltReason);
        Assert.All(board.Joins, join => Assert.False(join.Store));
        Assert.Equal("home", board.StoredSsid);
        Assert.Equal("secret", board.StoredPassword);
    }

    [Fact]
    public void The_same_credentials_are_not_written_again()
    {
        var board = new FakeBoard { StoredSsid = "home", StoredPassword = "secret" };

        Boot(board, "wifi_ssid = home\nwifi_password = secret\n");

        Assert.False(board.Joins.Single().Store);
    }

    [Fact]
    public void New_credentials_are_written_once_however_many_attempts_it_takes()
    {
        var board = new FakeBoard { StoredSsid = "old", StoredPassword = "old-secret", JoinSucceedsOnAttempt = 3 };

        Boot(board, "wifi_ssid = office\nwifi_password = new-secret\n");

        Assert.Equal(new[] { true, false, false }, board.Joins.Select(j => j.Store));
        Assert.Equal("office", board.StoredSsid);
    }

    [Fact]
    public void Wifi_without_any_credentials_halts_for_an_operator()
    {
        var board = new FakeBoard();

        BootOutcome outcome = Boot(board, "network = wifi\n");

        Assert.StartsWith("no Wi-Fi credentials", outcome.HaltReason, StringComparison.Ordinal);
        Assert.Empty(board.Joins);
    }

    [Fact]
    public void Ethernet_needs_no_credentials_and_stores_none()
    {
        var board = new FakeBoard();

        BootOutcome outcome = Boot(board, "network = ethernet\n");

        Assert.Null(outcome.HaltReason);
        Assert.False(board.Joins.Single().Store);
    }

    [Fact]
    public void The_boot_waits_for_SNTP_to_set_the_clock()
    {
        var board = new FakeBoard { WallMs = FakeBoard.UnsetTimeMs, ClockSetAfterSleeps = 3 };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\n");

        Assert.True(outcome.ClockValid);
        Assert.Equal(new[] { 1000, 1000, 1000 }, board.Sleeps);
    }

    [Fact]
    public void Without_SNTP_the_gateway_starts_after_the_bound_and_says_so()
    {
        var board = new FakeBoard { WallMs = FakeBoard.UnsetTimeMs };

        BootOutcome outcome = Boot(board, "wifi_ssid = home\ntime_sync_seconds = 5\n");

        Assert.False(outcome.ClockValid);
        Assert.Null(outcome.RestartReason);
        Assert.Equal(5, board.Sleeps.Count);
        Assert.Contains(board.Warnings, w => w.StartsWith("The wall clock is not set", StringComparison.Ordinal));
    }

    static BootOutcome Boot(FakeBoard board, string conf)
    {
        board.AddFile(ConfPath, conf);
        var boot = new GatewayBoot(board, board, board, board);
        SettingsFile file = boot.ReadSettings();
        Assert.Empty(file.Problems.Cast<string>());
        return boot.Start(DeviceSettings.From(file));
    }
}
