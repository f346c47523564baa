using EdgeBroker.Core.Security;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Settings;

/// <summary>The security keys of edgebroker.conf and the core options they make.</summary>
public class SecuritySettingsTests
{
    [Fact]
    public void Access_keys_with_their_groups_and_the_lists_become_the_cores_options()
    {
        var file = SettingsFile.Parse(
            "access_key.AK1 = secret one\naccess_key.AK1.groups = GID_sensors, GID_lights\naccess_key.AK2 = s2\n"
            + "instance_id = edge-1\np2p_within_groups_only = 1\napplication_groups = GID_app,, GID_backend \nsys_subscribers = GID_ops@@@monitor\n"
            + "pairing_window_seconds = 30\npairing_group = GID_sensors\np2p_gateways = gw-b, GID_gateways\nmax_client_id_length = 64\n");
        var settings = new RelaySecuritySettings();

        settings.ApplyFrom(file);
        var options = settings.ToOptions(hasPairedDevices: false);

        Assert.Empty(file.Problems);
        Assert.Equal("secret one", options.FindAccessKey("AK1")!.Secret);
        Assert.Equal(["GID_sensors", "GID_lights"], options.FindAccessKey("AK1")!.Groups);
        Assert.True(options.FindAccessKey("AK2")!.Serves("GID_anything"));
        Assert.Equal("edge-1", options.InstanceId);
        Assert.True(options.P2PWithinGroupsOnly);
        Assert.Equal(["GID_app", "GID_backend"], options.ApplicationGroups);
        Assert.True(options.IsSysSubscriber("GID_ops@@@monitor"));
        Assert.Equal(["gw-b", "GID_gateways"], options.P2PGateways);
        Assert.Equal(30, options.PairingWindowSeconds);
        Assert.Equal(64, options.MaxClientIdLength);
        Assert.Equal("GID_sensors", settings.PairingGroup);
        Assert.Equal(RelaySecuritySettings.MaxTrackedAddresses, options.Throttle.MaxTrackedAddresses);
    }

    [Fact]
    public void Pairing_bounds_default_to_one_device_per_press_and_64_in_all_and_are_read_from_the_file()
    {
        var defaults = new RelaySecuritySettings().ToOptions(hasPairedDevices: false);
        var file = SettingsFile.Parse("max_paired_devices = 10\npairing_devices_per_window = 4\nforget_paired_devices = 1\n");
        var settings = new RelaySecuritySettings();

        settings.ApplyFrom(file);
        var options = settings.ToOptions(hasPairedDevices: false);
        var tooMany = SettingsFile.Parse("max_paired_devices = 10\npairing_devices_per_window = 11\n");
        new RelaySecuritySettings().ApplyFrom(tooMany);

        Assert.Equal((1, 64, false), (defaults.PairingDevicesPerWindow, defaults.MaxPairedDevices, new RelaySecuritySettings().ForgetPairedDevices));
        Assert.Empty(file.Problems);
        Assert.Equal((4, 10, true), (options.PairingDevicesPerWindow, options.MaxPairedDevices, settings.ForgetPairedDevices));
        Assert.Contains(tooMany.Problems.Cast<string>(), problem => problem.Contains("pairing_devices_per_window"));
    }

    [Fact]
    public void P2P_reaches_every_group_unless_the_file_keeps_it_within_groups_and_a_bad_value_is_reported()
    {
        var unset = new RelaySecuritySettings();
        unset.ApplyFrom(SettingsFile.Parse("application_groups = GID_app\n"));
        var bad = SettingsFile.Parse("p2p_within_groups_only = yes\n");
        new RelaySecuritySettings().ApplyFrom(bad);

        Assert.False(unset.ToOptions(hasPairedDevices: false).P2PWithinGroupsOnly);
        Assert.Equal(["line 1: p2p_within_groups_only = yes is not a whole number from 0 to 1"], bad.Problems);
    }

    [Theory]
    [InlineData("", false, true)]
    [InlineData("", true, false)]
    [InlineData("access_key.AK = s\n", false, false)]
    [InlineData("allow_anonymous = 1\naccess_key.AK = s\n", true, true)]
    [InlineData("allow_anonymous = 0\n", false, false)]
    public void Anonymous_clients_are_admitted_by_default_only_while_there_are_no_keys_and_no_paired_devices(
        string text, bool hasPairedDevices, bool admitted)
    {
        var settings = new RelaySecuritySettings();
        settings.ApplyFrom(SettingsFile.Parse(text));

        Assert.Equal(admitted, settings.ToOptions(hasPairedDevices).AllowAnonymous);
    }

    [Theory]
    [InlineData("access_key.AK =\n", "access_key.AK: an access key needs")]
    [InlineData("access_key.A|K = s\n", "access_key.A|K: Access key 'A|K' has '|' in its ID")]
    [InlineData("pairing_group = a/b\n", "pairing_group = a/b is not a group ID")]
    [InlineData("pairing_group = $SYS\n", "pairing_group = $SYS is not a group ID")]
    [InlineData("allow_anonymous = yes\n", "allow_anonymous = yes is not a whole number")]
    [InlineData("max_client_id_length = 22\n", "max_client_id_length = 22")]
    public void Bad_values_are_reported_and_left_out(string text, string problem)
    {
        var file = SettingsFile.Parse(text);
        var settings = new RelaySecuritySettings();

        settings.ApplyFrom(file);

        Assert.Contains(file.Problems.Cast<string>(), p => p.StartsWith("line 1: " + problem, StringComparison.Ordinal));
        Assert.Empty(settings.AccessKeys);
        Assert.Equal(RelaySecuritySettings.DefaultPairingGroup, settings.PairingGroup);
    }

    /// <summary>The host refuses to start so configured; the gateway starts (it must, to be paired) and warns.</summary>
    [Theory]
    [InlineData("0.0.0.0", "", true)]
    [InlineData("0.0.0.0", "allow_anonymous = 0", true)]
    [InlineData("0.0.0.0", "allow_anonymous = 1", false)]
    [InlineData("0.0.0.0", "access_key.AK = secret", false)]
    [InlineData("127.0.0.1", "", false)]
    public void Beyond_loopback_without_an_access_key_the_gateway_warns(string bind, string line, bool warns)
    {
        var security = new RelaySecuritySettings();
        security.ApplyFrom(SettingsFile.Parse(line));
        var log = new RecordingLog();
        var storage = Directory.CreateTempSubdirectory("edgebroker-open-rule-");
        try
        {
            var gateway = Gateway.Open(storage.FullName, storage.FullName, new RelaySettings { Bind = bind, Port = 0 }, security, new TestRandom(), log, null, null);
            gateway.Start();
            gateway.Stop();
            Assert.Equal(warns, log.Warnings.Any(warning => warning.StartsWith("Listening on " + bind + " beyond loopback without an access key", StringComparison.Ordinal)));
        }
        finally
        {
            storage.Delete(recursive: true);
        }
    }
}
