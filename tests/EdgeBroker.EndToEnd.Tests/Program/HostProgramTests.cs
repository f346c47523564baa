using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>The host program as users run it: a child process, its flags, its messages and exit codes. Host only.</summary>
public sealed class HostProgramTests
{
    [Fact]
    public async Task Prints_its_listener_and_what_anonymous_access_means_then_stops_cleanly_on_sigterm()
    {
        var port = FreePorts.Next();
        var httpPort = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", httpPort.ToString());
        await broker.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on mqtt://127.0.0.1:" + port);
        await broker.WaitForOutputAsync(HostProgram.Timeout, "HTTP API on http://127.0.0.1:" + httpPort);
        Assert.Contains("Anonymous access", broker.Output);

        await ProcessRunner.RunAsync(HostProgram.Timeout, "kill", "-TERM", broker.ProcessId.ToString());

        Assert.Equal(0, await broker.WaitForExitAsync(HostProgram.Timeout));
        Assert.Contains("MQTT listener stopped", broker.Output);
        Assert.Contains("HTTP API stopped", broker.Output);
    }

    [Fact]
    public async Task A_taken_port_is_a_clear_error_and_exit_code_3()
    {
        using var taken = new TakenPort();
        var port = taken.Port;

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--port", port.ToString(), "--http-port", "0");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal($"edgebroker: cannot listen for MQTT on 127.0.0.1:{port}: the port is already in use. Stop the other program using it or pick another port with --port.",
            run.Errors.Trim());
        Assert.DoesNotContain("listen", run.Output);
    }

    [Fact]
    public async Task A_taken_websocket_port_names_that_port_alone_and_its_flag()
    {
        using var taken = new TakenPort();
        var port = taken.Port;

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--in-memory", "--port", "0", "--http-port", "0",
            "--websocket-port", port.ToString());

        Assert.Equal(3, run.ExitCode);
        Assert.Equal($"edgebroker: cannot listen for MQTT over WebSocket on 127.0.0.1:{port}: the port is already in use. Stop the other program " +
            "using it or pick another port with --websocket-port.", run.Errors.Trim());
    }

    [Fact]
    public async Task An_ipv6_bind_address_is_bracketed_in_every_listener_url()
    {
        var port = FreePorts.Next();
        var webSocketPort = FreePorts.Next();
        await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--in-memory", "--bind", "::1", "--port", port.ToString(),
            "--http-port", "0", "--websocket-port", webSocketPort.ToString());
        await broker.WaitForOutputAsync(HostProgram.Timeout, "MQTT over WebSocket listener on");

        Assert.Contains($"MQTT listener on mqtt://[::1]:{port} ", broker.Output);
        Assert.Contains($"MQTT over WebSocket listener on ws://[::1]:{webSocketPort}/mqtt ", broker.Output);
        Assert.Contains("HTTP API on http://[::1]:", broker.Output);
    }

    [Theory]
    [InlineData("1891")]
    [InlineData("0")] // a free port is drawn first, on the same address
    public async Task An_address_not_of_this_machine_is_a_clear_error_and_exit_code_3_that_says_to_check_bind(string port)
    {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): documentation only, never a machine's address.
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--bind", "192.0.2.1", "--allow-anonymous",
            "--port", port, "--http-port", "0", "--in-memory");

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("edgebroker: cannot listen for MQTT on 192.0.2.1:", run.Errors);
        Assert.Contains(": the address is not one of this machine's. Check --bind.", run.Errors);
        Assert.DoesNotContain("Stop the other", run.Output + run.Errors);
        Assert.DoesNotContain("   at ", run.Output + run.Errors);
    }

    [Fact]
    public async Task A_taken_http_port_is_a_clear_error_and_exit_code_3()
    {
        using var taken = new TakenPort();
        var port = taken.Port;

        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--port", "0", "--http-port", port.ToString());

        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith($"edgebroker: cannot listen for HTTP on 127.0.0.1:{port}: the port is already in use", run.Errors);
        Assert.Single(run.Errors.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", run.Output + run.Errors);

        // The MQTT listener opened before Kestrel failed is not announced as if the broker served.
        Assert.DoesNotContain("MQTT listener on", run.Output);
    }

    [Theory]
    [InlineData("--port", "70000", "Port 70000 is not a TCP port")]
    [InlineData("--bind", "not-an-address", "Bind 'not-an-address' is not an IP address")]
    [InlineData("--http-port", "70000", "HttpPort 70000 is not a TCP port")]
    [InlineData("--instance-id", " ", "InstanceId must not be empty")]
    [InlineData("--websocket-origin", "https://dashboard.example.com",
        "WebSocketOrigins (--websocket-origin) is set without WebSocketPort (--websocket-port), so there is no WebSocket listener")]
    [InlineData("--tls-port", "8883", "Tls:Port 8883 (--tls-port) is set but no TLS certificate is configured, so nothing listens on it")]
    public async Task An_invalid_setting_is_named_and_exit_code_2(string flag, string value, string message)
    {
        // A free HTTP port unless that is the setting under test (8080 may be taken on this machine).
        string[] httpPort = flag == "--http-port" ? [] : ["--http-port", "0"];
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", [HostProgram.Dll, .. httpPort, flag, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Errors);
    }

    [Fact]
    public async Task A_damaged_store_stops_the_start_names_the_file_and_changes_nothing()
    {
        var dataDir = Directory.CreateTempSubdirectory("edgebroker-corrupt-");
        try
        {
            var database = Path.Combine(dataDir.FullName, "edgebroker.db");
            var garbage = "this is not a database, but somebody's data"u8.ToArray();
            await File.WriteAllBytesAsync(database, garbage);

            var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--port", FreePorts.Next().ToString(), "--data-dir", dataDir.FullName);

            Assert.Equal(4, run.ExitCode);
            Assert.Contains(database, run.Errors);
            Assert.Contains("move it", run.Errors);
            Assert.Equal(garbage, await File.ReadAllBytesAsync(database));
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_flag_is_named_with_the_nearest_one_and_exit_code_2()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--prot", "1884");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(["edgebroker: unknown flag '--prot' (did you mean --port?)", "edgebroker: 'EdgeBroker.Host --help' lists what it takes."],
            run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>A flag's value is refused like the same setting's value in a file: exit code 2, what was given and what
    /// is accepted, no .NET type name and no page of usage help.</summary>
    [Theory]
    [InlineData("--port", "abc", "edgebroker: --port is 'abc', not a whole number")]
    [InlineData("--max-packet-size", "99999999999", "edgebroker: --max-packet-size is '99999999999', not a whole number from 128 to 2147483647")]
    [InlineData("--uplink-p2p-routes", "sometimes", "edgebroker: --uplink-p2p-routes is 'sometimes', not one of Announced, Retained")]
    [InlineData("--access-key", "AK", "edgebroker: --access-key expects ID:SECRET with neither part empty, not 'AK'.")]
    [InlineData("--log-format", "xml", "edgebroker: --log-format is 'xml', not one of Text, Json")]
    [InlineData("--data-dir", "/nonexistent/x", "edgebroker: --data-dir and --in-memory contradict each other")]
    public async Task A_flag_value_of_the_wrong_kind_is_named_with_what_is_accepted_and_exit_code_2(string flag, string value, string message)
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--in-memory", "--http-port", "0", flag, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Errors);
        Assert.DoesNotContain("System.", run.Errors);
        Assert.DoesNotContain("Usage:", run.Output + run.Errors);
    }

    [Fact]
    public async Task A_negative_offline_batch_size_names_that_setting_alone_with_its_value()
    {
        await using var broker = ProcessRunner.Start(new Dictionary<string, string> { ["EdgeBroker__OfflineBatchSize"] = "-1" },
            "dotnet", HostProgram.Dll, "config", "check");

        Assert.Equal(2, await broker.WaitForExitAsync(HostProgram.Timeout));
        Assert.Equal("edgebroker: invalid setting: OfflineBatchSize must not be negative (is -1).", broker.Errors.Trim());
    }

    [Fact]
    public async Task Settings_come_from_environment_variables_too()
    {
        var port = FreePorts.Next();
        await using var broker = ProcessRunner.Start(
            new Dictionary<string, string> { ["EdgeBroker__Port"] = port.ToString(), ["EdgeBroker__HttpPort"] = "0" }, "dotnet", HostProgram.Dll);

        await broker.WaitForOutputAsync(HostProgram.Timeout, "MQTT listener on mqtt://127.0.0.1:" + port);
    }

    [Fact]
    public async Task Access_keys_come_from_the_config_file_and_the_command_line_and_the_instance_id_from_its_flag()
    {
        var config = Path.Combine(Path.GetTempPath(), $"edgebroker-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config,
            """{ "EdgeBroker": { "AccessKeys": [ { "Id": "AK_FILE", "Secret": "from-file", "Groups": [ "GID_a" ] } ] } }""");
        try
        {
            var httpPort = FreePorts.Next();
            await using var broker = ProcessRunner.Start("dotnet", HostProgram.Dll, "--port", "0", "--http-port", httpPort.ToString(),
                "--config", config, "--access-key", "AK_CLI:from:flag", "--instance-id", "gateway-7");
            await broker.WaitForOutputAsync(HostProgram.Timeout, "2 access key(s)");
            var http = new Uri($"http://127.0.0.1:{httpPort}/");
            using var fileKey = new SignedApiClient(http, "AK_FILE", "from-file", instanceId: "gateway-7");
            using var flagKey = new SignedApiClient(http, "AK_CLI", "from:flag", instanceId: "gateway-7");
            var status = new Dictionary<string, string> { ["resource"] = "GID_a@@@device" };

            (await fileKey.GetAsync(OnlineStatusPaths.ClientStatus, status)).AssertOk();
            (await flagKey.GetAsync(OnlineStatusPaths.ClientStatus, status)).AssertOk();
            (await fileKey.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 3);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
