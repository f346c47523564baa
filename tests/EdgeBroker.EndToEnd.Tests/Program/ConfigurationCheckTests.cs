using System.Text.Json;
using EdgeBroker.Core;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>
/// Configuration that cannot silently go wrong, as a new user meets it: a misspelt or unknown key in any source stops
/// the program with the key, where it was written and the nearest known key (exit code 2); <c>config check</c> says so
/// without starting, or prints the effective settings with secrets masked. Both programs, run as child processes.
/// </summary>
public sealed class ConfigurationCheckTests : IDisposable
{
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _directory = Directory.CreateTempSubdirectory("edgebroker-config-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_host_refuses_an_unknown_key_in_its_config_file_naming_file_line_and_nearest_key()
    {
        var config = Write("settings.json", """
            {
              "EdgeBroker": {
                "Port": 0,
                "HttpPort": 0,
                "Security": { "AllowAnonymus": true }
              }
            }
            """);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--config", config, "--in-memory");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{config}:5: unknown setting 'EdgeBroker:Security:AllowAnonymus' (did you mean AllowAnonymous?)", run.Errors);
    }

    [Fact]
    public async Task The_host_refuses_an_unknown_environment_variable_naming_it()
    {
        await using var broker = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__HttpPortt"] = "9000" },
            "dotnet", HostProgram.Dll, "--port", "0", "--http-port", "0", "--in-memory");

        Assert.Equal(2, await broker.WaitForExitAsync(HostProgram.Timeout));
        Assert.Contains("environment variable EdgeBroker__HttpPortt: unknown setting 'EdgeBroker:HttpPortt' (did you mean HttpPort?)", broker.Errors);
    }

    [Fact]
    public async Task Host_config_check_prints_the_effective_settings_with_secrets_masked()
    {
        var config = Write("settings.json", """{ "EdgeBroker": { "SysIntervalSeconds": 5, "AccessKeys": [ { "Id": "ops", "Secret": "s3cret-value" } ] } }""");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("s3cret-value", run.Output);
        using var effective = JsonDocument.Parse(run.Output);
        var settings = effective.RootElement.GetProperty("EdgeBroker");
        Assert.Equal(5, settings.GetProperty("SysIntervalSeconds").GetInt32());
        Assert.Equal("********", settings.GetProperty("AccessKeys")[0].GetProperty("Secret").GetString());
        Assert.Equal("ops", settings.GetProperty("AccessKeys")[0].GetProperty("Id").GetString());
    }

    [Fact]
    public async Task Host_config_check_knows_the_uplink_connection_queue_and_database_settings()
    {
        var config = Write("settings.json", """
            {
              "EdgeBroker": {
                "MaxDatabaseBytes": 1048576,
                "Connections": { "MaxPacketSize": 4096, "ConnectTimeoutSeconds": 5, "TlsHandshakeTimeoutSeconds": 5,
                                 "MaxConnectionsPerSource": 20, "ConnectionRateWindowSeconds": 10, "MaxTrackedSources": 64 },
                "OutboundQueue": { "MaxMessagesPerClient": 100, "MaxBytesPerClient": 65536 },
                "Uplinks": [ { "Name": "cloud", "Addresses": [ "mqtt://cloud.example:1883" ], "ClientId": "gw-1",
                               "AuthMode": "UserPassword", "UserName": "gw", "Password": "upl1nk-value",
                               "MaxQueuedMessages": 500, "FullPolicy": "RefuseNew",
                               "Forward": [ { "Filter": "site/#", "Qos": 1, "LocalPrefix": "site/", "RemotePrefix": "gw-1/" } ] } ]
              }
            }
            """);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.DoesNotContain("upl1nk-value", run.Output);
        using var effective = JsonDocument.Parse(run.Output);
        var settings = effective.RootElement.GetProperty("EdgeBroker");
        Assert.Equal(1048576, settings.GetProperty("MaxDatabaseBytes").GetInt64());
        Assert.Equal(20, settings.GetProperty("Connections").GetProperty("MaxConnectionsPerSource").GetInt32());
        Assert.Equal(100, settings.GetProperty("OutboundQueue").GetProperty("MaxMessagesPerClient").GetInt32());
        Assert.Equal("site/#", settings.GetProperty("Uplinks")[0].GetProperty("Forward")[0].GetProperty("Filter").GetString());
    }

    [Theory]
    [InlineData("MaxSubscriptionsPerClient", 1000, 50)]
    [InlineData("MaxRetainedMessages", 100_000, 500)]
    [InlineData("MaxRetainedBytes", 64 * 1024 * 1024, 1_048_576)]
    [InlineData("MaxSessions", 100_000, 5000)]
    [InlineData("MaxWillBytes", 64 * 1024 * 1024, 1_048_576)]
    [InlineData("HttpMaxConnections", 128, 16)]
    [InlineData("HttpMaxConnectionsPerAddress", 32, 8)]
    public async Task Host_config_check_prints_a_bound_on_what_clients_make_the_host_keep(string key, long byDefault, long configured)
    {
        var config = Write("settings.json", $$"""{ "EdgeBroker": { "{{key}}": {{configured}} } }""");

        var defaults = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check");
        var set = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.True(defaults.ExitCode == 0 && set.ExitCode == 0, defaults.Errors + set.Errors);
        using var defaultSettings = JsonDocument.Parse(defaults.Output);
        using var setSettings = JsonDocument.Parse(set.Output);
        Assert.Equal(byDefault, defaultSettings.RootElement.GetProperty("EdgeBroker").GetProperty(key).GetInt64());
        Assert.Equal(configured, setSettings.RootElement.GetProperty("EdgeBroker").GetProperty(key).GetInt64());
    }

    [Theory]
    [InlineData("MaxSubscriptionsPerClient", -1, "MaxSubscriptionsPerClient must not be negative (is -1; 0 sets no limit).")]
    [InlineData("MaxRetainedMessages", 0, "MaxRetainedMessages must be at least 1 (is 0).")]
    [InlineData("MaxRetainedBytes", -1, "MaxRetainedBytes must not be negative (is -1; 0 sets no limit).")]
    [InlineData("MaxSessions", -1, "MaxSessions must not be negative (is -1; 0 sets no limit).")]
    [InlineData("MaxWillBytes", -1, "MaxWillBytes must not be negative (is -1; 0 sets no limit).")]
    [InlineData("HttpMaxConnections", -1, "HttpMaxConnections must not be negative (is -1; 0 sets no limit).")]
    [InlineData("HttpMaxConnectionsPerAddress", -1, "HttpMaxConnectionsPerAddress must not be negative (is -1; 0 sets no limit).")]
    public async Task Host_refuses_a_bound_that_bounds_nothing_naming_it(string key, long value, string problem)
    {
        var config = Write("settings.json", $$"""{ "EdgeBroker": { "{{key}}": {{value}} } }""");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(problem, run.Errors);
    }

    [Fact]
    public async Task Host_config_check_takes_the_subscription_limit_from_its_flag()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--max-subscriptions", "50");

        Assert.True(run.ExitCode == 0, run.Errors);
        using var effective = JsonDocument.Parse(run.Output);
        Assert.Equal(50, effective.RootElement.GetProperty("EdgeBroker").GetProperty("MaxSubscriptionsPerClient").GetInt32());
    }

    [Fact]
    public async Task Host_refuses_a_misspelt_uplink_setting_naming_the_nearest_key()
    {
        var config = Write("settings.json", """
            { "EdgeBroker": { "Uplinks": [ { "Addresses": [ "mqtt://cloud.example:1883" ], "MaxQueuedMesages": 5 } ] } }
            """);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("unknown setting 'EdgeBroker:Uplinks:0:MaxQueuedMesages' (did you mean MaxQueuedMessages?)", run.Errors);
    }

    [Fact]
    public async Task Host_refuses_an_uplink_entry_it_cannot_read_instead_of_dropping_it()
    {
        var config = Write("settings.json", """
            { "EdgeBroker": { "Uplinks": [ { "Addresses": [ "mqtt://cloud.example:1883" ], "ClientId": "gw-1", "AuthMode": "Password",
                                             "Forward": [ { "Filter": "site/#" } ] } ] } }
            """);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{config}:1: setting 'EdgeBroker:Uplinks:0:AuthMode' is 'Password', not one of None, UserPassword, Signature, Token, DeviceCredential",
            run.Errors);
    }

    [Fact]
    public async Task An_enum_setting_from_the_environment_names_the_accepted_values_not_a_dotnet_type()
    {
        await using var check = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__Storage"] = "Disk" },
            "dotnet", HostProgram.Dll, "config", "check");

        Assert.Equal(2, await check.WaitForExitAsync(HostProgram.Timeout));
        Assert.Contains("environment variable EdgeBroker__Storage: setting 'EdgeBroker:Storage' is 'Disk', not one of Sqlite, Memory", check.Errors);
        Assert.DoesNotContain("EdgeBroker.Host.Configuration", check.Errors);
    }

    [Fact]
    public async Task A_client_id_limit_below_what_mqtt_requires_is_refused()
    {
        await using var check = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__Security__MaxClientIdLength"] = "10" },
            "dotnet", HostProgram.Dll, "config", "check");

        Assert.Equal(2, await check.WaitForExitAsync(HostProgram.Timeout));
        Assert.Contains("Security:MaxClientIdLength 10 is outside 23-65535", check.Errors);
    }

    [Theory]
    [InlineData("config", "check")]
    [InlineData("--in-memory", "--port", "0", "--http-port", "0")]
    public async Task A_json_syntax_error_in_the_config_file_is_named_with_its_line_and_column(params string[] command)
    {
        var config = Write("settings.json", """
            {
              "EdgeBroker": {
                "Port": 1884,,
                "HttpPort": 0
              }
            }
            """);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, .. command, "--config", config]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"edgebroker: cannot read the settings: Failed to load configuration from file '{config}': line 3, column 18: " +
            "',' is an invalid start of a property name. Expected a '\"'.", run.Errors.Trim());
    }

    [Theory]
    [InlineData("--port", "1999", "--access-key", "AK_FLAG:s3cret-flag", "config", "check")]
    [InlineData("config", "check", "--port", "1999", "--access-key", "AK_FLAG:s3cret-flag")]
    public async Task Host_config_check_prints_the_settings_the_broker_flags_make_before_or_after_it(params string[] command)
    {
        var config = Write("settings.json", """{ "EdgeBroker": { "SysIntervalSeconds": 5 } }""");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, .. command, "--config", config]);

        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.DoesNotContain("s3cret-flag", run.Output);
        using var effective = JsonDocument.Parse(run.Output);
        var settings = effective.RootElement.GetProperty("EdgeBroker");
        Assert.Equal(1999, settings.GetProperty("Port").GetInt32());
        Assert.Equal(5, settings.GetProperty("SysIntervalSeconds").GetInt32());
        var accessKey = Assert.Single(settings.GetProperty("AccessKeys").EnumerateArray());
        Assert.Equal(("AK_FLAG", "********"), (accessKey.GetProperty("Id").GetString(), accessKey.GetProperty("Secret").GetString()));
    }

    [Fact]
    public async Task Host_config_check_prints_the_uplink_client_id_the_uplink_connects_with()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check",
            "--uplink", "mqtt://127.0.0.1:1883", "--uplink-forward", "sensors/#");

        Assert.True(run.ExitCode == 0, run.Errors);
        using var effective = JsonDocument.Parse(run.Output);
        var uplink = Assert.Single(effective.RootElement.GetProperty("EdgeBroker").GetProperty("Uplinks").EnumerateArray());
        Assert.Equal("edgebroker-" + Environment.MachineName, uplink.GetProperty("ClientId").GetString());
    }

    [Fact]
    public async Task Host_config_check_refuses_what_the_broker_refuses_on_its_command_line()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--bind", "0.0.0.0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Bind 0.0.0.0 lets other machines connect, but no authentication is configured", run.Errors);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Host_config_check_reports_a_problem_without_starting()
    {
        var config = Write("settings.json", """{ "EdgeBrokr": { "Port": 1884 } }""");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "config", "check", "--config", config);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{config}:1: unknown setting 'EdgeBrokr' (did you mean EdgeBroker?)", run.Errors);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task The_emulator_refuses_a_misspelt_key_in_edgebroker_conf_naming_file_line_and_nearest_key()
    {
        var conf = Write("edgebroker.conf", "# gateway\nmax_clientz = 5\nuplinkk = mqtt://cloud:1883\n");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "--port", "0", "--data-dir", _directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{conf}: line 2: unknown key 'max_clientz' (did you mean max_clients?)", run.Errors);
        Assert.Contains($"{conf}: line 3: unknown key 'uplinkk'", run.Errors);
        Assert.Empty(Directory.GetDirectories(_directory));
    }

    [Fact]
    public async Task Emulator_config_check_prints_the_effective_settings_with_secrets_masked()
    {
        Write("edgebroker.conf", "max_clients = 4\naccess_key.ops = s3cret-value\nwifi_ssid = home\nwifi_password = w1fi-value\n");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("relay.MaxClients = 4", run.Output);
        Assert.Contains("device.WifiSsid = home", run.Output);
        Assert.Contains("device.WifiPassword = ********", run.Output);
        Assert.Contains("Id = ops", run.Output);
        Assert.DoesNotContain("s3cret-value", run.Output);
        Assert.DoesNotContain("w1fi-value", run.Output);
    }

    /// <summary>A file the operator names must exist (a mistyped path passed as "all defaults"); an absent file in a data
    /// directory still means a fresh device's defaults.</summary>
    [Fact]
    public async Task Emulator_config_check_refuses_a_named_file_that_does_not_exist()
    {
        var missing = Path.Combine(_directory, "edgebroker.cnf");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--config", missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--config {missing} was not found", run.Errors);
    }

    /// <summary>config check prints the address the emulator listens on: edgebroker.conf's bind, else the emulator's
    /// 127.0.0.1 — not the device's 0.0.0.0, which it printed while the emulator listened on 127.0.0.1.</summary>
    [Theory]
    [InlineData("", "127.0.0.1")]
    [InlineData("bind = 0.0.0.0\n", "0.0.0.0")]
    public async Task Emulator_config_check_prints_the_bind_address_the_emulator_listens_on(string conf, string bind)
    {
        Write("edgebroker.conf", conf);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Contains($"relay.Bind = {bind}\n", run.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Emulator_config_check_knows_the_connection_queue_and_uplink_keys()
    {
        Write("edgebroker.conf", string.Join('\n', ConnectionAndQueueKeys, "uplink = mqtt://cloud.example:1883", UplinkKeys));

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.True(run.ExitCode == 0, run.Errors);
        Assert.Contains("relay.MaxConnectionsPerSource = 20", run.Output);
        Assert.Contains("relay.MaxQueuedMessagesPerClient = 32", run.Output);
        Assert.Contains("relay.MaxBufferBytes = 16384", run.Output);
        Assert.Contains("uplink_client_id = gw-1", run.Output);
        Assert.Contains("uplink_max_queued_messages = 50", run.Output);
        Assert.DoesNotContain("upl1nk-value", run.Output);
    }

    [Theory]
    [InlineData("", 0, "relay.MaxRetainedBytes = 16384")]
    [InlineData("max_retained_bytes = 0\n", 0, "relay.MaxRetainedBytes = 0")]
    [InlineData("max_retained_bytes = -1\n", 2, "max_retained_bytes = -1 is not a whole number from 0 to 16777216")]
    public async Task Emulator_config_check_prints_the_retained_byte_bound_and_refuses_a_negative_one(string conf, int exitCode, string said)
    {
        Write("edgebroker.conf", conf);

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.True(run.ExitCode == exitCode, run.Errors);
        Assert.Contains(said, exitCode == 0 ? run.Output : run.Errors);
    }

    /// <summary>The uplink is printed under edgebroker.conf's keys, in its words, each line as the file can say it —
    /// not the core's property names with C# object dumps of its addresses and rules, nor the host's proxy settings,
    /// which the device does not have.</summary>
    [Fact]
    public async Task Emulator_config_check_prints_the_uplink_under_the_files_keys()
    {
        const string Uplink = """
            uplink = mqtt://cloud.example:1883, mqtts://backup.example:8883
            uplink_name = site
            uplink_client_id = gw-1
            uplink_forward = sensors/#, alerts/+
            uplink_forward_qos = 0
            uplink_forward_remote_prefix = gw-1/
            uplink_subscribe = cmd/gw-1/#
            uplink_subscribe_remote_prefix = cmd/gw-1/
            uplink_subscribe_local_prefix = cmd/
            uplink_auth = signature
            uplink_access_key_id = AK
            uplink_instance_id = cloud-1
            uplink_keep_alive_seconds = 30
            uplink_inflight = 4
            uplink_max_queued_messages = 50
            uplink_max_queued_bytes = 20000
            uplink_full_policy = refuse-new
            uplink_backoff_min_ms = 100
            uplink_backoff_max_ms = 9000
            uplink_p2p = true
            uplink_p2p_routes = retained
            uplink_p2p_routes_topic = site/routes
            uplink_p2p_max_routes = 7
            uplink_p2p_routes_grace_seconds = 60
            """;
        Write("edgebroker.conf", Uplink + "\nuplink_access_key_secret = upl1nk-secret-value\n");

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.True(run.ExitCode == 0, run.Errors);
        var printed = run.Output.ReplaceLineEndings("\n").Split('\n').Where(line => line.StartsWith("uplink", StringComparison.Ordinal)).ToList();
        foreach (var line in Uplink.ReplaceLineEndings("\n").Split('\n'))
        {
            Assert.Contains(line, printed);
        }

        Assert.Contains("uplink_access_key_secret = ********", printed);
        Assert.Contains("uplink_subscribe_qos = 1", printed);
        Assert.Contains("uplink_password = (not set)", printed);
        Assert.DoesNotContain("upl1nk-secret-value", run.Output);
        Assert.DoesNotContain(printed, line => line.Contains('{') || line.Contains("Proxy", StringComparison.Ordinal));
    }

    /// <summary>Each value of the uplink's choices is printed in the file's word, as the relay reads it.</summary>
    [Theory]
    [InlineData("uplink_auth", "none")]
    [InlineData("uplink_auth", "password")]
    [InlineData("uplink_auth", "signature")]
    [InlineData("uplink_auth", "token")]
    [InlineData("uplink_auth", "device")]
    [InlineData("uplink_full_policy", "drop-oldest")]
    [InlineData("uplink_full_policy", "refuse-new")]
    [InlineData("uplink_p2p_routes", "announced")]
    [InlineData("uplink_p2p_routes", "retained")]
    public void Emulator_config_check_prints_each_uplink_choice_in_the_files_word(string key, string value)
    {
        var file = EdgeBroker.Firmware.Relay.Settings.SettingsFile.Parse(
            $"uplink = mqtt://cloud.example:1883\nuplink_client_id = gw-1\nuplink_forward = a/#\nuplink_p2p = true\n{key} = {value}\n");
        var uplink = EdgeBroker.Firmware.Relay.Settings.RelayUplinkSettings.From(file, new EdgeBroker.Firmware.Relay.Settings.RelaySettings());
        Assert.Empty(file.Problems);
        using var output = new StringWriter();

        EdgeBroker.Emulator.UplinkSettingsPrinter.Print(output, uplink);

        Assert.Contains($"{key} = {value}\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task The_emulator_ignores_the_uplink_keys_while_uplink_is_commented_out_but_names_a_misspelt_one()
    {
        var conf = Write("edgebroker.conf", string.Join('\n', "# uplink = mqtt://cloud.example:1883", UplinkKeys));

        var off = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);
        File.AppendAllText(conf, "\nuplink_fowrard = site/#\n");
        var misspelt = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", EmulatorDll, "config", "check", "--data-dir", _directory);

        Assert.True(off.ExitCode == 0, off.Errors);
        Assert.DoesNotContain(off.Output.Split('\n'), line => line.StartsWith("uplink", StringComparison.Ordinal));
        Assert.Equal(2, misspelt.ExitCode);
        Assert.Contains($"{conf}: line 8: unknown key 'uplink_fowrard' (did you mean uplink_forward?)", misspelt.Errors);
    }

    const string ConnectionAndQueueKeys = """
        max_packet_size = 4096
        connect_timeout_seconds = 5
        send_timeout_seconds = 5
        max_connections_per_source = 20
        connection_rate_window_seconds = 10
        max_queued_messages_per_client = 32
        max_queued_bytes_per_client = 8192
        max_buffer_bytes = 16384
        """;

    const string UplinkKeys = """
        uplink_client_id = gw-1
        uplink_forward = site/#
        uplink_auth = password
        uplink_username = gw
        uplink_password = upl1nk-value
        uplink_max_queued_messages = 50
        """;

    [Theory]
    [InlineData("host")]
    [InlineData("emulator")]
    public async Task Version_prints_the_cores_release_number(string program)
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", program == "host" ? HostProgram.Dll : EmulatorDll, "--version");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(BrokerVersion.Number, run.Output.Trim());
    }

    string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
