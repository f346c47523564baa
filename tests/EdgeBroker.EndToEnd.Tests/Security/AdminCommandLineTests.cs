using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>The administration subcommands of the host program (<c>pairing</c>, <c>devices</c>, <c>token</c>) run as a
/// child process against a running broker, as the README shows them. Host only.</summary>
public sealed class AdminCommandLineTests
{
    [Fact]
    public async Task Pairing_open_opens_the_window_on_the_running_broker_and_prints_its_expiry()
    {
        await using var api = await ApiBroker.StartAsync();

        var run = await RunAsync(api, ApiBroker.AllGroupsKey + ":" + ApiBroker.AllGroupsSecret, "pairing", "open", "--group", "GID_sensors", "--seconds", "90");

        Assert.True(run.ExitCode == 0, $"pairing open failed: {run.Output} {run.Errors}");
        using var printed = JsonDocument.Parse(run.Output);
        var expiresAt = printed.RootElement.GetProperty("expiresAt").GetInt64();
        var window = Assert.Single((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
        Assert.Equal(("GID_sensors", expiresAt), (window.GetProperty("group").GetString(), window.GetProperty("expiresAt").GetInt64()));
    }

    [Fact]
    public async Task Token_apply_and_devices_list_print_the_answers()
    {
        await using var api = await ApiBroker.StartAsync();
        var key = ApiBroker.SensorsKey + ":" + ApiBroker.SensorsSecret;

        var token = await RunAsync(api, key, "token", "apply", "--resources", "GID_sensors", "--actions", "W", "--seconds", "60");
        var devices = await RunAsync(api, key, "devices", "list", "--group", "GID_sensors");

        Assert.True(token.ExitCode == 0, $"token apply failed: {token.Output} {token.Errors}");
        using var issued = JsonDocument.Parse(token.Output);
        Assert.Matches("^[A-Za-z0-9+/]{24}$", issued.RootElement.GetProperty("tokenData").GetString());
        Assert.Contains($"Token|{ApiBroker.SensorsKey}|edgebroker", token.Output);
        Assert.Equal(0, devices.ExitCode);
        Assert.Contains("\"devices\": []", devices.Output);
    }

    [Fact]
    public async Task A_refusal_prints_the_answer_and_exits_5_and_an_unreachable_broker_exits_6()
    {
        await using var api = await ApiBroker.StartAsync();
        using var nobody = new ClosedPort();

        var refused = await RunAsync(api, ApiBroker.AllGroupsKey + ":wrong-secret", "pairing", "close", "--group", "GID_sensors");
        var unreachable = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "pairing", "list",
            "--url", $"http://127.0.0.1:{nobody.Port}", "--access-key", "AK:SECRET");

        Assert.Equal(5, refused.ExitCode);
        Assert.Equal(2, JsonDocument.Parse(refused.Output).RootElement.GetProperty("code").GetInt32());
        Assert.Contains($"does not take access key '{ApiBroker.AllGroupsKey}' with this secret", refused.Errors);
        Assert.Equal(6, unreachable.ExitCode);
        Assert.Contains("cannot ask the broker's HTTP API", unreachable.Errors);
    }

    /// <summary>The refusal names where the key came from, not a flag the user did not use.</summary>
    [Fact]
    public async Task A_refused_key_from_the_environment_or_a_file_is_named_as_such()
    {
        await using var api = await ApiBroker.StartAsync();
        var url = api.Broker.HttpBaseAddress!.ToString();
        var wrong = ApiBroker.AllGroupsKey + ":wrong-secret";
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, wrong + "\n");
        try
        {
            await using var fromEnvironment = ProcessRunner.Start(new Dictionary<string, string> { ["EDGEBROKER_ACCESS_KEY"] = wrong },
                "dotnet", HostProgram.Dll, "pairing", "list", "--url", url);
            var environmentExit = await fromEnvironment.WaitForExitAsync(HostProgram.Timeout);
            var fromFile = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "pairing", "list",
                "--url", url, "--access-key-file", file);

            Assert.Equal(5, environmentExit);
            Assert.Contains("check EDGEBROKER_ACCESS_KEY, which must be a key the broker was started with", fromEnvironment.Errors);
            Assert.Equal(5, fromFile.ExitCode);
            Assert.Contains($"check the first key in --access-key-file {file}, which must be", fromFile.Errors);
            Assert.DoesNotContain("check --access-key", fromEnvironment.Errors + fromFile.Errors);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_missing_access_key_is_refused_with_exit_code_2()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "pairing", "open", "--group", "GID_sensors");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("EDGEBROKER_ACCESS_KEY=ID:SECRET", run.Errors);
        Assert.Contains("--access-key-file", run.Errors);
    }

    [Fact]
    public async Task The_access_key_may_come_from_the_environment_or_a_file_instead_of_the_command_line()
    {
        await using var api = await ApiBroker.StartAsync();
        var url = api.Broker.HttpBaseAddress!.ToString();
        var key = ApiBroker.AllGroupsKey + ":" + ApiBroker.AllGroupsSecret;
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, key + "\n");
        try
        {
            await using var fromEnvironment = ProcessRunner.Start(new Dictionary<string, string> { ["EDGEBROKER_ACCESS_KEY"] = key },
                "dotnet", HostProgram.Dll, "pairing", "open", "--group", "GID_sensors", "--url", url);
            var opened = await fromEnvironment.WaitForExitAsync(HostProgram.Timeout);
            var closed = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "pairing", "close", "--group", "GID_sensors",
                "--url", url, "--access-key-file", file);

            Assert.True(opened == 0, $"pairing open with {key} in the environment failed: {fromEnvironment.Output} {fromEnvironment.Errors}");
            Assert.True(closed.ExitCode == 0, $"pairing close with --access-key-file failed: {closed.Output} {closed.Errors}");
            Assert.Contains("closed", closed.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_broker_flag_before_an_administration_command_is_refused_not_dropped()
    {
        var run = await ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet", HostProgram.Dll, "--port", "1999", "pairing", "list",
            "--access-key", "AK:SECRET");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("edgebroker: --port sets the broker's settings, which 'pairing list' does not use", run.Errors);
        Assert.Empty(run.Output);
    }

    static Task<(int ExitCode, string Output, string Errors)> RunAsync(ApiBroker api, string accessKey, params string[] command) =>
        ProcessRunner.RunAsync(HostProgram.Timeout, "dotnet",
            [HostProgram.Dll, .. command, "--url", api.Broker.HttpBaseAddress!.ToString(), "--access-key", accessKey]);
}
