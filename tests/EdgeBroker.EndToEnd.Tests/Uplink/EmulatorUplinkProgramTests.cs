using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>The emulator program with an uplink in its edgebroker.conf: a bad uplink setting stops the start with exit
/// code 2 and names the key or rule; the state changes are logged without the credentials, and the status is served
/// on <c>GET /status</c>.</summary>
public sealed class EmulatorUplinkProgramTests : IDisposable
{
    static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(20);
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    readonly string _dataDirectory = Directory.CreateTempSubdirectory("edgebroker-emulator-uplink-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Theory]
    [InlineData("uplink_forward = other/#\nuplink_forward_local_prefix = site/\nuplink_forward_remote_prefix = gw/\n", "forward other/#")]
    [InlineData("uplink_forward = site/#\nuplink_ca_file = missing.pem\n", "uplink_ca_file = missing.pem: no such file")]
    [InlineData("uplink_forward = site/#\nuplink_full_policy = block\n", "uplink_full_policy = block is not one of")]
    public async Task A_bad_uplink_setting_is_named_and_exit_code_2(string settings, string message)
    {
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), "uplink = mqtt://127.0.0.1:1\nuplink_client_id = gw\n" + settings);

        var run = await ProcessRunner.RunAsync(ProcessTimeout, "dotnet", EmulatorDll, "--data-dir", _dataDirectory, "--port", "0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Errors);
    }

    [Fact]
    public async Task With_a_failover_list_each_backing_off_line_names_the_address_that_failed()
    {
        using var first = new ClosedPort();
        using var second = new ClosedPort();
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), string.Join('\n',
            $"uplink = mqtt://127.0.0.1:{first.Port}, mqtt://127.0.0.1:{second.Port}", "uplink_client_id = gw", "uplink_forward = site/#",
            "uplink_backoff_min_ms = 50", "uplink_backoff_max_ms = 200"));
        await using var emulator = ProcessRunner.Start("dotnet", EmulatorDll, "--data-dir", _dataDirectory, "--port", FreePorts.Next().ToString());

        await emulator.WaitForOutputAsync(ProcessTimeout, $"Uplink cloud: backing-off (mqtt://127.0.0.1:{second.Port}, 0 queued): 127.0.0.1:{second.Port}");
        var backingOff = emulator.Output.Split('\n').Where(line => line.Contains("Uplink cloud: backing-off")).ToList();
        Assert.Contains($"Uplink cloud: backing-off (mqtt://127.0.0.1:{first.Port}, 0 queued): 127.0.0.1:{first.Port} cannot be reached", backingOff[0]);
    }

    [Fact]
    public async Task State_changes_are_logged_with_the_reason_and_never_with_the_credentials()
    {
        const string Password = "pw-that-must-not-show";
        const string Secret = "secret-that-must-not-show";
        using var nobody = new ClosedPort();
        var unreachable = nobody.Port;
        File.WriteAllText(Path.Combine(_dataDirectory, "edgebroker.conf"), string.Join('\n',
            $"uplink = mqtt://127.0.0.1:{unreachable}", "uplink_client_id = gw", "uplink_forward = site/#",
            "uplink_auth = signature", "uplink_access_key_id = AK", $"uplink_access_key_secret = {Secret}", "uplink_instance_id = i-1",
            "uplink_backoff_min_ms = 50", "uplink_backoff_max_ms = 200", $"uplink_password = {Password}"));
        var httpPort = FreePorts.Next();
        await using var emulator = ProcessRunner.Start("dotnet", EmulatorDll, "--data-dir", _dataDirectory, "--port", FreePorts.Next().ToString(),
            "--http-port", httpPort.ToString());

        await emulator.WaitForOutputAsync(ProcessTimeout, "Uplink cloud: backing-off (mqtt://127.0.0.1:" + unreachable);

        // The uplink starts with the relay, before the status endpoint listens: ask only once it says it does.
        await emulator.WaitForOutputAsync(ProcessTimeout, $"Status on http://127.0.0.1:{httpPort}/status");
        using (var http = new HttpClient())
        {
            using var status = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{httpPort}/status"));
            var uplink = status.RootElement.GetProperty("uplink");
            Assert.Equal("cloud", uplink.GetProperty("name").GetString());
            Assert.Equal("mqtt://127.0.0.1:" + unreachable, uplink.GetProperty("address").GetString());
            Assert.Contains("cannot be reached", uplink.GetProperty("lastError").GetString());
        }

        await ProcessRunner.RunAsync(ProcessTimeout, "kill", "-TERM", emulator.ProcessId.ToString());
        await emulator.WaitForExitAsync(ProcessTimeout);

        Assert.Contains("Uplink cloud: connecting", emulator.Output);
        Assert.Contains("cannot be reached", emulator.Output);
        Assert.DoesNotContain(Password, emulator.Output + emulator.Errors);
        Assert.DoesNotContain(Secret, emulator.Output + emulator.Errors);
    }
}
