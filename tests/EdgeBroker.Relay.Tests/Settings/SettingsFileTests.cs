using System.Text.RegularExpressions;
using EdgeBroker.Firmware.Boot;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Settings;

/// <summary>edgebroker.conf, as the device reads it from I: and the emulator from its data directory.</summary>
public class SettingsFileTests
{
    [Fact]
    public void Keys_values_comments_and_blank_lines()
    {
        var file = SettingsFile.Parse("# gateway\r\n\r\nport = 1884\nwifi_ssid = My Net = 2\n  max_clients=4  \n");

        Assert.Equal("1884", file.Get("port"));
        Assert.Equal("My Net = 2", file.Get("wifi_ssid"));
        Assert.Equal(4, file.GetInt("max_clients", 12, 1, 100));
        Assert.Null(file.Get("bind"));
        Assert.Empty(file.Problems);
    }

    [Theory]
    [InlineData("max_clients = many")]
    [InlineData("max_clients = 0")]
    [InlineData("max_clients = -3")]
    [InlineData("max_clients = 99999999999")]
    public void Bad_numbers_keep_the_default_and_are_reported(string line)
    {
        var settings = new RelaySettings();
        var file = SettingsFile.Parse(line);

        settings.ApplyFrom(file);

        Assert.Equal(12, settings.MaxClients);
        Assert.Contains(file.Problems.Cast<string>(), problem => problem.StartsWith("line 1: max_clients = ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sd_card_detect_pin = -1", -1)]
    [InlineData("sd_card_detect_pin = 4", 4)]
    [InlineData("sd_card_detect_pin = -2", 7)]
    [InlineData("sd_card_detect_pin = -", 7)]
    [InlineData("sd_card_detect_pin = 1-", 7)]
    public void A_minus_sign_is_read_where_the_minimum_allows_it(string line, int expected)
    {
        var file = SettingsFile.Parse(line);

        Assert.Equal(expected, file.GetInt("sd_card_detect_pin", 7, -1, 48));
        Assert.Equal(expected == 7 ? 1 : 0, file.Problems.Count);
    }

    [Fact]
    public void A_line_without_a_key_is_reported_with_its_number()
    {
        var file = SettingsFile.Parse("port = 1\nnonsense\n");

        Assert.Equal(["line 2 is not 'key = value' (not shown: it may hold a secret)"], file.Problems.Cast<string>());
    }

    /// <summary>A key whose <c>=</c> was mistyped is reported by its line only: the line holds the secret.</summary>
    [Theory]
    [InlineData("access_key.AK_ADMIN: S3cretValue-0123456789")]
    [InlineData("access_key.AK_ADMIN S3cretValue-0123456789")]
    public void A_line_without_an_equals_sign_is_not_repeated(string line)
    {
        var file = SettingsFile.Parse("port = 1\n" + line + "\n");

        var problem = Assert.Single(file.Problems.Cast<string>());
        Assert.StartsWith("line 2 ", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("max_packet_size = abc", "line 2: max_packet_size = abc is not a whole number")]
    [InlineData("allow_anonymous = yes", "line 2: allow_anonymous = yes is not a whole number")]
    [InlineData("uplink_p2p = maybe", "line 2: uplink_p2p = maybe is not one of false,true")]
    public void A_bad_value_is_reported_with_its_line(string line, string problem)
    {
        var file = SettingsFile.Parse("# the gateway\n" + line + "\nuplink = mqtt://cloud\nuplink_client_id = gw\nuplink_forward = a/#\n");

        new RelaySettings().ApplyFrom(file);
        new RelaySecuritySettings().ApplyFrom(file);
        RelayUplinkSettings.From(file, new RelaySettings());

        Assert.Contains(file.Problems.Cast<string>(), p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", 30, 0)]
    [InlineData("p2p_unreachable_ttl_seconds = 5", 5, 0)]
    [InlineData("p2p_unreachable_ttl_seconds = 0", 30, 1)]
    public void The_unreachable_targets_lifetime_is_read_and_the_core_keeps_sixteen(string line, int seconds, int problems)
    {
        var settings = new RelaySettings();
        var file = SettingsFile.Parse(line);

        settings.ApplyFrom(file);

        Assert.Equal((seconds, problems, 16), (settings.P2PUnreachableTtlSeconds, file.Problems.Count, RelaySettings.P2PUnreachableCacheSize));
    }

    [Fact]
    public void Device_defaults_are_the_documented_ones()
    {
        var settings = new RelaySettings();

        Assert.Equal((1883, 12, 4096, 16, 32, 16384, 32, 8192, 8192), (settings.Port, settings.MaxClients, settings.MaxPacketSize,
            settings.MaxSubscriptionsPerClient, settings.MaxRetainedMessages, settings.MaxRetainedBytes,
            settings.MaxOfflineMessagesPerClient, settings.MaxQueuedBytesPerClient, settings.MaxBufferBytes));
    }

    [Theory]
    [InlineData("", 16384, 0)]
    [InlineData("max_retained_bytes = 65536", 65536, 0)]
    [InlineData("max_retained_bytes = 0", 0, 0)]
    [InlineData("max_retained_bytes = -1", 16384, 1)]
    [InlineData("max_retained_bytes = 16777217", 16384, 1)]
    [InlineData("max_retained_bytes = 16k", 16384, 1)]
    public void The_retained_byte_bound_is_read_and_set_on_the_cores_retained_messages(string line, int bytes, int problems)
    {
        var file = SettingsFile.Parse(line);
        using var relay = new SynchronousRelay(configure: settings => settings.ApplyFrom(file));

        Assert.Equal((bytes, problems), (relay.Settings.MaxRetainedBytes, file.Problems.Count));
        Assert.Equal(bytes, relay.Context.Retained.MaxBytes);
        Assert.All(file.Problems.Cast<string>(), problem =>
            Assert.StartsWith("line 1: " + line + " is not a whole number from 0 to 16777216", problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("max_buffer_bytes = 32768", 32768, 0)]
    [InlineData("max_packet_size = 1024\nmax_buffer_bytes = 1024", 1024, 0)]
    [InlineData("max_buffer_bytes = 4095", 8192, 1)]
    public void The_buffers_bound_is_read_and_holds_at_least_one_packet_of_the_largest_size(string text, int bytes, int problems)
    {
        var settings = new RelaySettings();
        var file = SettingsFile.Parse(text);

        settings.ApplyFrom(file);

        Assert.Equal((bytes, problems), (settings.MaxBufferBytes, file.Problems.Count));
    }

    [Fact]
    public void The_offline_keys_set_the_cores_limits_and_the_store_size_its_budget()
    {
        var settings = new RelaySettings();
        settings.ApplyFrom(SettingsFile.Parse(
            "max_offline_messages_per_client = 50\nmax_offline_bytes_per_client = 4096\noffline_message_ttl_seconds = 90\n"
            + "offline_batch_size = 0\noffline_batch_interval_seconds = 2\nsession_expiry_seconds = 3600\nflash_store_bytes = 131072\n"));

        var offline = settings.ToOfflineLimits();
        var flash = settings.ToFlashStoreLimits();

        // Batching off (0) hands over as many as a connection tracks until their PUBACKs.
        Assert.Equal((50, 4096L, 90_000L, RelaySettings.MaxTrackedDeliveries, 2_000L), (offline.MaxMessagesPerClient, offline.MaxBytesPerClient,
            offline.DefaultMessageTtlMs, offline.BatchSize, offline.BatchIntervalMs));
        Assert.Equal(3600, settings.SessionExpirySeconds);
        Assert.Equal((131072, 65536, 8192), (flash.MaxLogBytes, flash.CompactAtDeadBytes, flash.SessionReserveBytes));
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(500, RelaySettings.MaxTrackedDeliveries)]
    public void An_offline_batch_is_at_most_what_a_connection_tracks(int configured, int expected)
    {
        var settings = new RelaySettings();
        settings.ApplyFrom(SettingsFile.Parse("offline_batch_size = " + configured + "\n"));

        Assert.Equal(expected, settings.ToOfflineLimits().BatchSize);
    }

    [Fact]
    public void The_offline_defaults_are_the_hosts_but_for_the_quota_and_a_64_KB_store()
    {
        var settings = new RelaySettings();

        Assert.Equal((32, 16384, 72 * 3600, 30, 5, 7 * 24 * 3600, 65536), (settings.MaxOfflineMessagesPerClient,
            settings.MaxOfflineBytesPerClient, settings.OfflineMessageTtlSeconds, settings.OfflineBatchSize,
            settings.OfflineBatchIntervalSeconds, settings.SessionExpirySeconds, settings.FlashStoreBytes));
    }

    [Fact]
    public void A_key_no_settings_class_reads_is_reported_with_its_line_and_the_nearest_known_key()
    {
        var file = SettingsFile.Parse("# gateway\nport = 1884\nmax_clientz = 5\nuplink = mqtt://cloud:1883\n");
        new RelaySettings().ApplyFrom(file);
        new RelaySecuritySettings().ApplyFrom(file);

        file.CheckUnknownKeys();

        Assert.Equal(
            ["line 3: unknown key 'max_clientz' (did you mean max_clients?)", "line 4: unknown key 'uplink'"],
            file.Problems.Cast<string>());
    }

    [Fact]
    public void Keys_under_a_prefix_a_class_reads_are_known()
    {
        var file = SettingsFile.Parse("access_key.k1 = secret\naccess_key.k1.groups = GID_a\nsys_interval = 0\n");
        var relay = new RelaySettings();
        relay.ApplyFrom(file);
        new RelaySecuritySettings().ApplyFrom(file);

        file.CheckUnknownKeys();

        Assert.Empty(file.Problems);
        Assert.Equal(0, relay.SysIntervalSeconds);
    }

    [Theory]
    [InlineData("max_clients = 4   # default 12", "4")]
    [InlineData("max_clients = 4\t# default 12", "4")]
    [InlineData("bind = #nothing but a comment", "")]
    [InlineData("uplink_forward = site/#, alerts/# # both trees", "site/#, alerts/#")]
    [InlineData("wifi_password = pa#ss#", "pa#ss#")]
    [InlineData("wifi_password = \"my pass #1 \"", "my pass #1 ")]
    [InlineData("wifi_password = \"say \"hi\"\"   # quotes inside", "say \"hi\"")]
    [InlineData("wifi_password = \"#\"#", "#")]
    public void A_hash_that_begins_a_word_starts_a_comment_and_quotes_keep_a_value_as_written(string line, string value)
    {
        var file = SettingsFile.Parse(line);

        Assert.Equal(value, file.Get(line.Substring(0, line.IndexOf(' '))));
        Assert.Empty(file.Problems);
    }

    [Theory]
    [InlineData("wifi_password = \"unclosed #1")]
    [InlineData("wifi_password = \"closed\" and more")]
    public void A_quoted_value_with_text_after_its_closing_quote_is_reported_and_not_set(string line)
    {
        var file = SettingsFile.Parse("port = 1\n" + line);

        Assert.Null(file.Get("wifi_password"));
        Assert.Equal(["line 2: a quoted value must end with a quote, followed by nothing but a comment"], file.Problems.Cast<string>());
    }

    /// <summary>Every example of the shipped edgebroker.conf, uncommented as a person would, with its comment left at the
    /// end of the line: each key is known and each value valid.</summary>
    [Fact]
    public void Every_example_in_the_shipped_edgebroker_conf_parses_once_uncommented()
    {
        var example = new Regex(@"^# ([a-z0-9_.A-Z]+ = )");
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, SettingsFile.FileName))
            .Select(line => example.Replace(line, "$1"))
            .ToList();
        var file = SettingsFile.Parse(string.Join("\n", lines));
        var relay = new RelaySettings();
        relay.ApplyFrom(file);
        new RelaySecuritySettings().ApplyFrom(file);
        DeviceSettings.From(file);
        var uplink = RelayUplinkSettings.From(file, relay);

        file.CheckUnknownKeys();

        Assert.Empty(file.Problems);
        Assert.Equal(12, relay.MaxClients);
        Assert.Equal("gw-7", uplink!.Uplink.ClientId);
        Assert.True(lines.Count(line => !line.StartsWith('#') && line.Contains(" # ")) >= 10, "the examples carry trailing comments");
    }

    [Theory]
    [InlineData("-1", -1, null)]
    [InlineData("7", 7, null)]
    [InlineData("-", 2, "line 1: pin = - is not a whole number from -1 to 48")]
    [InlineData("-2", 2, "line 1: pin = -2 is not a whole number from -1 to 48")]
    [InlineData("1-", 2, "line 1: pin = 1- is not a whole number from -1 to 48")]
    public void A_whole_number_may_be_negative_where_the_range_allows_it(string text, int expected, string? problem)
    {
        var file = SettingsFile.Parse("pin = " + text + "\n");

        Assert.Equal(expected, file.GetInt("pin", 2, -1, 48));
        Assert.Equal(problem is null ? [] : [problem], file.Problems.Cast<string>());
    }
}
